import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Custom search attributes that show business state in the Temporal Web UI. All carry the
// Rexera prefix: a bare `Status` would clash with the UI's own column.

/** PAYOFF, HOA_ACQUISITION or MUNICIPAL_LIEN_SEARCH. */
export const RexeraWorkflowType = defineSearchAttributeKey(
  'RexeraWorkflowType',
  SearchAttributeType.KEYWORD,
);
/** The business status of the workflow row (IN_PROGRESS, BLOCKED, COMPLETED, ...). */
export const RexeraStatus = defineSearchAttributeKey('RexeraStatus', SearchAttributeType.KEYWORD);
/** The worst SLA alert level among the running tasks. */
export const RexeraSlaLevel = defineSearchAttributeKey(
  'RexeraSlaLevel',
  SearchAttributeType.KEYWORD,
);
/** taskType of the step running now. */
export const RexeraCurrentTask = defineSearchAttributeKey(
  'RexeraCurrentTask',
  SearchAttributeType.KEYWORD,
);
/** The client organisation's ID. */
export const RexeraClientId = defineSearchAttributeKey(
  'RexeraClientId',
  SearchAttributeType.KEYWORD,
);
/** When the whole workflow is due. */
export const RexeraDueAt = defineSearchAttributeKey('RexeraDueAt', SearchAttributeType.DATETIME);
/** Since when the step in RexeraCurrentTask has been the current one ("stuck for N hours"). */
export const RexeraStepSince = defineSearchAttributeKey(
  'RexeraStepSince',
  SearchAttributeType.DATETIME,
);

export const SEARCH_ATTRIBUTE_KEYS = [
  RexeraWorkflowType,
  RexeraStatus,
  RexeraSlaLevel,
  RexeraCurrentTask,
  RexeraClientId,
  RexeraDueAt,
  RexeraStepSince,
] as const;
