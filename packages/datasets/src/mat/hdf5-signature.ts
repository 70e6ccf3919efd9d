const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Whether the 8-byte HDF5 signature is at `offset`. */
export function hasHdf5Signature(bytes: Uint8Array, offset: number): boolean {
  if (bytes.length < offset + 8) return false;
  return HDF5_SIGNATURE.every((b, i) => bytes[offset + i] === b);
}
