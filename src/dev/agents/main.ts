import { getConfig } from '../../config.js';
import { createLogger } from '../../log.js';
import { runIfMain } from '../../main.js';
import { createAgentSimulator } from './simulator.js';

/** `npm run agents`: the agent simulator on its own (npm start runs it too). */
async function main() {
  const config = getConfig();
  const log = createLogger('agents');
  const sim = createAgentSimulator({ delayMs: config.AGENT_SIMULATOR_DELAY_MS });
  await sim.listen(config.AGENT_SIMULATOR_PORT);
  log.info(
    `agent simulator on http://127.0.0.1:${config.AGENT_SIMULATOR_PORT} (POST /agents/run, /control/rules)`,
  );
  const stop = () => void sim.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

runIfMain(import.meta.url, 'agents', main);
