import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';

// One proxy per timeout/retry profile.

/** Database writes: quick, and retried for as long as it takes (an outage must not fail a workflow). */
export const db = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
  },
});

/**
 * Dispatch to n8n: 5xx and network errors retry with backoff for up to an hour;
 * a 4xx (DispatchRejectedError) fails at once.
 */
export const n8n = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  scheduleToCloseTimeout: '1 hour',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: ['DispatchRejectedError'],
  },
});

/**
 * Outbound messages through n8n's channel connectors: retried for ten minutes at most, so a
 * connector outage delays a waiting step's reaction to its documents by no more than that.
 */
export const channels = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  scheduleToCloseTimeout: '10 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: ['CommunicationRejectedError'],
  },
});
