import type { SearchAttributeUpdatePair } from '@temporalio/common';

/**
 * Stand-in for workflows/visibility.ts in bundles run on the time-skipping test server,
 * whose visibility store rejects custom search attributes ("BadSearchAttributes ... is not
 * defined") and offers no API to register them. Search attributes themselves are tested
 * on the real dev server.
 */
export function updateVisibility(_pairs: SearchAttributeUpdatePair[]): void {}
