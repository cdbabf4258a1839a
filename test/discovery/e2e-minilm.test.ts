// One end-to-end discovery on a small slice of real data with the real MiniLM encoder (onnxruntime-node).
import { describe, expect } from 'vitest';
import { itWithShared, sharedPath } from '../shared-data.js';
import { readRoutingJsonl } from '../../src/adapters/node/jsonl.js';
import { loadMiniLmEncoder } from '../../src/adapters/node/minilm.js';
import { discoverTasks } from '../../src/discovery/discover.js';
import { toTasksFile, validateTasksFile } from '../../src/discovery/tasks-file.js';

const DATA = 'data/llmrouter-dcrouter/routing.jsonl';
const data = sharedPath(DATA);

describe('discover end to end with MiniLM on llmrouter-dcrouter', () => {
  itWithShared('groups prompts of three sources into source-pure tasks', [DATA], async () => {
    const { records: all } = await readRoutingJsonl(data, { split: 'train' });
    const wanted = ['trivia_qa', 'gsm8k', 'mbpp'];
    const records = wanted.flatMap((source) => all.filter((r) => r.source === source).slice(0, 20));
    const encoder = await loadMiniLmEncoder({ intraOpNumThreads: 1 });
    let embeddings: Float32Array;
    try {
      embeddings = await encoder.embed(records.map((r) => r.prompt));
    } finally {
      await encoder.dispose();
    }
    const result = await discoverTasks(records, embeddings, { minTaskSize: 3 });
    const file = validateTasksFile(
      JSON.parse(
        JSON.stringify(
          toTasksFile(result, {
            ids: records.map((r) => r.id),
            encoder: { id: encoder.id, dimension: encoder.dimension },
          }),
        ),
      ),
    );
    expect(file.tasks.length).toBeGreaterThanOrEqual(3);
    // Purity: prompts in tasks agree with their task's majority source.
    let agree = 0;
    let inTasks = 0;
    for (const task of result.tasks) {
      inTasks += task.size;
      agree += task.sources[0]!.count;
      expect(task.center).toHaveLength(384);
    }
    expect(agree / inTasks).toBeGreaterThanOrEqual(0.9);
    expect(result.others.size).toBeLessThan(records.length / 2);
  });
});
