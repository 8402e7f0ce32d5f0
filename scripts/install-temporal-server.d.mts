// Types of install-temporal-server.mjs, for src/dev/tools.ts (one version pin, one folder).
export const TEMPORAL_SERVER_VERSION: string;
export const SERVER_DIR: string;
export function installTemporalServer(): Promise<void>;
