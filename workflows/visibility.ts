import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { upsertSearchAttributes } from '@temporalio/workflow';

/**
 * The one place workflow code writes search attributes. Kept in its own module so that
 * tests on the time-skipping test server (which cannot register custom search attributes)
 * can swap it at bundle time; everything else about the workflow stays the real code.
 */
export function updateVisibility(pairs: SearchAttributeUpdatePair[]): void {
  upsertSearchAttributes(pairs);
}
