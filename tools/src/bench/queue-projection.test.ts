import { describe, expect, it } from '@jest/globals';
import { simulate } from './queue-projection.js';
import type { SimTask } from './queue-projection.js';

const t = (id: string, seconds: number, deps: string[] = [], cores = 1): SimTask => ({
  id,
  seconds,
  cores,
  deps,
});

describe('the DAG simulation behind the many-machines projection', () => {
  it('runs independent tasks side by side on the cores there are, longest first', () => {
    const tasks = [t('a', 4), t('b', 3), t('c', 2), t('d', 1)];
    expect(simulate(tasks, 1, 1, 0).seconds).toBe(10);
    // two cores: longest first gives {4, 1} and {3, 2}
    expect(simulate(tasks, 1, 2, 0).seconds).toBe(5);
    expect(simulate(tasks, 2, 2, 0).seconds).toBe(4);
  });

  it('waits for inputs, counts a two-core task against its machine, and adds the overhead', () => {
    const tasks = [t('x', 2), t('y', 2, [], 2), t('z', 1, ['x', 'y'])];
    expect(simulate(tasks, 1, 2, 0).seconds).toBe(5);
    expect(simulate(tasks, 2, 2, 0).seconds).toBe(3);
    expect(simulate(tasks, 2, 2, 0.5).seconds).toBe(4);
    expect(simulate(tasks, 2, 2, 0).utilisation).toBeCloseTo((2 + 4 + 1) / (3 * 4));
    expect(() => simulate([t('big', 1, [], 4)], 1, 2, 0)).toThrow(/needs 4 cores/);
  });
});
