/**
 * A minimal protocol-buffer encoder (wire format: varints, fixed 32/64-bit, length-delimited),
 * enough for TensorBoard's event protos. Fields are written in call order; a nested message is a
 * ProtoWriter passed to `message`. proto3 leaves fields at their default out, except members of a
 * `oneof`, which must be written even when zero: the callers decide, this writer writes what it is given.
 */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  /** A varint field (int32, int64, uint64, enum, bool) holding an integer (negative: two's complement, 10 bytes). */
  varint(field: number, value: number | bigint): this {
    this.tag(field, 0);
    this.rawVarint(value);
    return this;
  }

  /** A 64-bit IEEE double field (wire type 1). */
  double(field: number, value: number): this {
    this.tag(field, 1);
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleLE(value);
    return this.push(bytes);
  }

  /** A 32-bit IEEE float field (wire type 5); NaN and ±Infinity are kept. */
  float(field: number, value: number): this {
    this.tag(field, 5);
    const bytes = Buffer.alloc(4);
    bytes.writeFloatLE(value);
    return this.push(bytes);
  }

  /** A length-delimited field holding bytes. */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.rawVarint(value.length);
    return this.push(value);
  }

  /** A string field (UTF-8). */
  string(field: number, value: string): this {
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  /** An embedded message field. */
  message(field: number, value: ProtoWriter): this {
    return this.bytes(field, value.finish());
  }

  /** A packed repeated float field. */
  packedFloats(field: number, values: readonly number[]): this {
    const bytes = Buffer.alloc(4 * values.length);
    values.forEach((value, i) => bytes.writeFloatLE(value, 4 * i));
    return this.bytes(field, bytes);
  }

  /** The encoded message. */
  finish(): Uint8Array {
    return Buffer.concat(this.chunks, this.length);
  }

  private tag(field: number, wireType: number): void {
    this.rawVarint(field * 8 + wireType);
  }

  private rawVarint(value: number | bigint): void {
    const bytes: number[] = [];
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
      let rest = value;
      while (rest >= 0x80) {
        bytes.push((rest % 0x80) | 0x80);
        rest = Math.floor(rest / 0x80);
      }
      bytes.push(rest);
    } else {
      let rest = BigInt.asUintN(64, BigInt(value));
      while (rest >= 0x80n) {
        bytes.push(Number(rest & 0x7fn) | 0x80);
        rest >>= 7n;
      }
      bytes.push(Number(rest));
    }
    this.push(Uint8Array.from(bytes));
  }

  private push(bytes: Uint8Array): this {
    this.chunks.push(bytes);
    this.length += bytes.length;
    return this;
  }
}
