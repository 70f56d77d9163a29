/* Empty on purpose: the archive mediasoup links whole needs a source file;
 * the library's code comes from Debian's shared library. */
typedef int parley_shim_archive_is_empty;
