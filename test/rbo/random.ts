// Seeded test inputs for test/rbo and test/rankfusion: the library's own mulberry32 (same seed → same lists everywhere).
export { mulberry32 as createRandom } from '../../src/random.js';

/** A random ranking of a random subset (size minLength..modelCount) of 0..modelCount−1 with random tie groups. */
export function randomRanking(
  random: () => number,
  modelCount: number,
  { tieProbability = 0.4, minLength = 1, full = false } = {},
): (number | number[])[] {
  const models = Array.from({ length: modelCount }, (_, i) => i);
  for (let i = modelCount - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [models[i], models[j]] = [models[j]!, models[i]!];
  }
  const n = full ? modelCount : minLength + Math.floor(random() * (modelCount - minLength + 1));
  const out: (number | number[])[] = [];
  let group: number[] = [];
  for (let i = 0; i < n; i++) {
    group.push(models[i]!);
    if (i === n - 1 || random() >= tieProbability) {
      out.push(group.length === 1 && random() < 0.5 ? group[0]! : group);
      group = [];
    }
  }
  return out;
}
