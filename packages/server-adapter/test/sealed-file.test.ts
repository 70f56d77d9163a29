/**
 * The encrypted attachment format on its own: every size round-trips
 * (empty, around chunk boundaries), and every kind of change is caught.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { EncryptionError } from '../src/encryption/errors.js';
import { EncryptionKey } from '../src/encryption/key.js';
import {
  FileOpener,
  FileSealer,
  HEADER_BYTES,
  attachmentKeyOf,
  parseHeader,
  sealedChunkBytes,
  sealedLayout,
} from '../src/encryption/sealed-file.js';

const CHUNK = 16;
const key = attachmentKeyOf(EncryptionKey.fromBytes(randomBytes(32)));

/** Seals `plaintext`, fed in pieces of `piece` bytes. */
function seal(plaintext: Buffer, blobKey = 'a_1', piece = 7): Buffer {
  const sealer = new FileSealer(key.key, key.keyId, blobKey, CHUNK);
  const parts = [sealer.header()];
  for (let at = 0; at < plaintext.length; at += piece) parts.push(...sealer.update(plaintext.subarray(at, at + piece)));
  parts.push(sealer.final());
  return Buffer.concat(parts);
}

/** Opens a sealed file the way a download does: header, layout, then chunk by chunk. */
function open(file: Buffer, blobKey = 'a_1', withKey = key): Buffer {
  const header = parseHeader(file.subarray(0, HEADER_BYTES));
  const layout = sealedLayout(file.length, header.chunkBytes);
  if (!layout) throw new EncryptionError('tampered', 'size');
  const opener = new FileOpener(withKey.key, withKey.keyId, header, blobKey, layout.chunks);
  const step = sealedChunkBytes(header.chunkBytes);
  const out: Buffer[] = [];
  for (let i = 0; i < layout.chunks; i++) {
    const at = HEADER_BYTES + i * step;
    out.push(opener.open(file.subarray(at, Math.min(at + step, file.length))));
  }
  const plaintext = Buffer.concat(out);
  assert.equal(plaintext.length, layout.plaintextBytes);
  return plaintext;
}

function refused(fn: () => unknown, code: EncryptionError['code'] = 'tampered'): void {
  assert.throws(fn, (error: unknown) => error instanceof EncryptionError && error.code === code);
}

describe('sealed attachment files', () => {
  it('round-trips every size around the chunk boundaries', () => {
    for (const size of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 2 * CHUNK + 5, 10 * CHUNK]) {
      const plaintext = randomBytes(size);
      const file = seal(plaintext);
      assert.deepEqual(open(file), plaintext, `size ${size}`);
      assert.equal(file.includes(plaintext.subarray(0, 8)) && size >= 8, false, 'no plaintext in the file');
    }
  });

  it('two seals of the same bytes differ (a fresh salt per file)', () => {
    const plaintext = Buffer.from('same bytes, different files');
    assert.notDeepEqual(seal(plaintext), seal(plaintext));
  });

  it('catches a flipped bit anywhere, a dropped or repeated chunk, a swapped name and another key', () => {
    const plaintext = randomBytes(3 * CHUNK + 3);
    const file = seal(plaintext);
    for (let at = 0; at < file.length; at++) {
      const copy = Buffer.from(file);
      copy[at] ^= 0x80;
      // Bytes 9–16 name the key: changed, they name another one.
      refused(() => open(copy), at >= 9 && at < 17 ? 'wrong_key' : 'tampered');
    }
    const step = sealedChunkBytes(CHUNK);
    const withoutLast = file.subarray(0, HEADER_BYTES + 3 * step);
    refused(() => open(withoutLast));
    const withoutSecond = Buffer.concat([file.subarray(0, HEADER_BYTES + step), file.subarray(HEADER_BYTES + 2 * step)]);
    refused(() => open(withoutSecond));
    const repeated = Buffer.concat([file.subarray(0, HEADER_BYTES + step), file.subarray(HEADER_BYTES)]);
    refused(() => open(repeated));
    refused(() => open(file, 'a_2'));
    refused(() => open(file, 'a_1', attachmentKeyOf(EncryptionKey.fromBytes(randomBytes(32)))), 'wrong_key');
    refused(() => open(Buffer.concat([file, Buffer.alloc(3)])));
  });
});
