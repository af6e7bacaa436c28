/** FNV-1a (32 bits) over a string's UTF-16 code units: fast, and stable across processes, versions and machines. */
export const fnv1a = (text: string): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
};
