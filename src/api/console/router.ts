import fs from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';
import { PROJECT_ROOT } from '../../config.js';

/** Where the built console is (console/dist, by `npm install` or `npm start`). */
export const CONSOLE_DIST = path.join(PROJECT_ROOT, 'console/dist');

export interface ConsoleSettings {
  /** The dev login (DEV_LOGIN): the login page lists the demo users. */
  devLogin: boolean;
  /** The dev login can also start a workflow whose first agent asks for a person. */
  demoEscalation: boolean;
  /** Where the Temporal Web UI is, for the links to each workflow. */
  temporalUiUrl: string;
  namespace: string;
}

/**
 * The HIL console: its static files at /console (any other path under it is the app, which
 * routes itself: deep links work), and what the page needs to know before signing in.
 */
export function consoleRouter(settings: ConsoleSettings): Router {
  const router = Router();
  router.get('/api/console/settings', (_req, res) => {
    res.json(settings);
  });
  router.get('/', (_req, res) => res.redirect(302, '/console/'));
  router.use('/console', express.static(CONSOLE_DIST, { index: 'index.html', fallthrough: true }));
  router.get('/console/{*rest}', (_req, res) => {
    const index = path.join(CONSOLE_DIST, 'index.html');
    if (!fs.existsSync(index)) {
      res
        .status(503)
        .type('text/plain')
        .send('The console is not built: run `npm install` (or `npm start`, which builds it).');
      return;
    }
    res.sendFile(index);
  });
  return router;
}
