/**
 * A minimal protobuf *writer* (no reader), enough to serialize ONNX ModelProto.
 *
 * Source: the protobuf wire format (https://protobuf.dev/programming-guides/encoding/): each field is a
 * tag varint `(fieldNumber << 3) | wireType`, then a varint (wire type 0), 4 little-endian bytes
 * (wire type 5) or a length varint plus bytes (wire type 2, strings / bytes / nested messages).
 *
 * Deliberate choices:
 * - Messages are kept as lists of byte chunks with a running length, so a nested message (for example
 *   a 40 MB initializer) is attached without being copied; {@link ProtoMessage.finish} concatenates once.
 * - Negative int64 values are written as 10-byte two's-complement varints, as protobuf requires.
 * - Repeated scalars are written unpacked (one tag per element): onnx.proto is proto2 without
 *   `[packed = true]`, and every conforming parser accepts that form.
 * Pure: no runtime, fs or network imports.
 */

const WIRE_VARINT = 0;
const WIRE_LENGTH = 2;
const WIRE_FIXED32 = 5;

const textEncoder = new TextEncoder();

/** Encodes a non-negative or negative integer (safe integer or bigint) as a protobuf varint. */
function varintBytes(value: number | bigint): Uint8Array {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`protobuf varint: expected a safe integer, received ${value}`);
    }
    if (value >= 0 && value < 0x80) return Uint8Array.of(value);
    if (value >= 0 && value <= 0xffffffff) {
      const out: number[] = [];
      let v = value;
      while (v >= 0x80) {
        out.push((v % 0x80) | 0x80);
        v = Math.floor(v / 0x80);
      }
      out.push(v);
      return Uint8Array.from(out);
    }
    value = BigInt(value);
  }
  // Two's complement over 64 bits for negatives; at most 10 bytes.
  let v = BigInt.asUintN(64, value);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

/** A protobuf message under construction: an ordered list of byte chunks. */
export class ProtoMessage {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  /** Total encoded length in bytes so far. */
  get byteLength(): number {
    return this.length;
  }

  private push(bytes: Uint8Array): void {
    if (bytes.byteLength === 0) return;
    this.chunks.push(bytes);
    this.length += bytes.byteLength;
  }

  private tag(field: number, wire: number): void {
    this.push(varintBytes(field * 8 + wire));
  }

  /** Writes an int32/int64/enum/bool field (varint). */
  varint(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.push(varintBytes(value));
    return this;
  }

  /** Writes a `float` field (fixed32, little-endian IEEE 754). */
  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.push(bytes);
    return this;
  }

  /** Writes a `bytes` field; the array is referenced, not copied, until {@link finish}. */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LENGTH);
    this.push(varintBytes(value.byteLength));
    this.push(value);
    return this;
  }

  /** Writes a `string` field as UTF-8. */
  string(field: number, value: string): this {
    return this.bytes(field, textEncoder.encode(value));
  }

  /** Writes a nested message field; its chunks are shared, not copied. */
  message(field: number, value: ProtoMessage): this {
    this.tag(field, WIRE_LENGTH);
    this.push(varintBytes(value.length));
    for (const chunk of value.chunks) this.push(chunk);
    return this;
  }

  /** Concatenates all chunks into one buffer. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return out;
  }
}
