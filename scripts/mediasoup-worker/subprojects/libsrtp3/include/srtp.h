// libsrtp 3 compatibility over Debian's libsrtp 2, for the mediasoup worker.
//
// mediasoup 3.19 is written against versatica's libsrtp 3, whose protect and
// unprotect calls take separate input and output buffers with size_t lengths,
// and which knows two more error codes. libsrtp 2 works in place with int
// lengths. The worker includes <srtp.h>; this header stands in for it, pulls
// in the real libsrtp 2 header and adds C++ overloads with the libsrtp 3
// signatures. Only the calls mediasoup makes are covered.
#ifndef PARLEY_LIBSRTP3_COMPAT_H
#define PARLEY_LIBSRTP3_COMPAT_H

#include <srtp2/srtp.h>

#ifdef __cplusplus

#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>

// Error codes libsrtp 3 added after srtp_err_status_pkt_idx_adv (27).
constexpr srtp_err_status_t srtp_err_status_buffer_small = static_cast<srtp_err_status_t>(28);
constexpr srtp_err_status_t srtp_err_status_cryptex_err = static_cast<srtp_err_status_t>(29);

namespace parley_srtp3
{
	// libsrtp 2 works in place: copy the input into the output buffer first
	// (unless they are the same), then run the in-place call on it.
	using InPlaceCall = srtp_err_status_t (*)(srtp_t, void*, int*);

	inline srtp_err_status_t Run(
	  InPlaceCall call,
	  srtp_t ctx,
	  const uint8_t* in,
	  size_t inLen,
	  uint8_t* out,
	  size_t* outLen,
	  size_t room)
	{
		if (inLen > static_cast<size_t>(INT_MAX) - room || *outLen < inLen + room)
		{
			return srtp_err_status_buffer_small;
		}

		if (out != in)
		{
			std::memmove(out, in, inLen);
		}

		int len = static_cast<int>(inLen);
		const srtp_err_status_t err = call(ctx, out, &len);

		if (err == srtp_err_status_ok)
		{
			*outLen = static_cast<size_t>(len);
		}

		return err;
	}
} // namespace parley_srtp3

// libsrtp 3: srtp_protect(ctx, rtp, rtp_len, srtp, &srtp_len, mki_index).
// The output must have room for the trailer libsrtp 2 appends in place.
inline srtp_err_status_t srtp_protect(
  srtp_t ctx, const uint8_t* rtp, size_t rtpLen, uint8_t* srtp, size_t* srtpLen, size_t /*mkiIndex*/)
{
	return parley_srtp3::Run(srtp_protect, ctx, rtp, rtpLen, srtp, srtpLen, SRTP_MAX_TRAILER_LEN);
}

inline srtp_err_status_t srtp_unprotect(
  srtp_t ctx, const uint8_t* srtp, size_t srtpLen, uint8_t* rtp, size_t* rtpLen)
{
	return parley_srtp3::Run(srtp_unprotect, ctx, srtp, srtpLen, rtp, rtpLen, 0);
}

// SRTCP appends the trailer plus the 4-byte SRTCP index.
inline srtp_err_status_t srtp_protect_rtcp(
  srtp_t ctx, const uint8_t* rtcp, size_t rtcpLen, uint8_t* srtcp, size_t* srtcpLen, size_t /*mkiIndex*/)
{
	return parley_srtp3::Run(
	  srtp_protect_rtcp, ctx, rtcp, rtcpLen, srtcp, srtcpLen, SRTP_MAX_TRAILER_LEN + 4);
}

inline srtp_err_status_t srtp_unprotect_rtcp(
  srtp_t ctx, const uint8_t* srtcp, size_t srtcpLen, uint8_t* rtcp, size_t* rtcpLen)
{
	return parley_srtp3::Run(srtp_unprotect_rtcp, ctx, srtcp, srtcpLen, rtcp, rtcpLen, 0);
}

// libsrtp 3 renamed srtp_remove_stream.
inline srtp_err_status_t srtp_stream_remove(srtp_t session, uint32_t ssrc)
{
	return srtp_remove_stream(session, ssrc);
}

#endif // __cplusplus

#endif // PARLEY_LIBSRTP3_COMPAT_H
