import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The fault files in an order that balances two lanes: the two long ones (about 4.5 minutes
 * each) first, side by side, then the shorter ones behind them.
 */
const ORDER = ['processes.test.ts', 'servers.test.ts', 'npm-start.test.ts', 'update-lost.test.ts'];

export default class FaultSequencer extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = ORDER.findIndex((name) => f.moduleId.endsWith(`/${name}`));
      return i < 0 ? ORDER.length : i;
    };
    return Promise.resolve([...files].sort((a, b) => rank(a) - rank(b)));
  }
}
