// mandate voting booth (provisional skeleton; the ballot format follows docs/record-format.md).
import { ristretto255 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

const Point = ristretto255.Point;
export const GROUP_ORDER = Point.Fn.ORDER;

export function selfTest() {
  return { base: bytesToHex(Point.BASE.toBytes()), two: Point.fromBytes(hexToBytes(Point.BASE.double().toHex())).toHex() };
}

globalThis.mandateBooth = Object.freeze({ selfTest });
