import { DefaultLogger, Runtime } from '@temporalio/worker';

// Worker state changes and bundle reports at INFO drown the test output; warnings stay.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // Already installed in this process by an earlier test file.
}
