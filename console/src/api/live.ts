import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { token } from './client';

export type LiveState = 'connecting' | 'live' | 'reconnecting';

/**
 * Keeps the queries of `keys` fresh from a server-sent event stream (`/api/events`, or one
 * workflow's): each change, and each resync after the stream was interrupted, refetches them.
 * No polling: the database announces every change (LISTEN/NOTIFY).
 */
export function useLive(
  path: string | undefined,
  keys: readonly (readonly unknown[])[],
): LiveState {
  const queryClient = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');
  const keyText = JSON.stringify(keys);
  useEffect(() => {
    if (!path) return;
    const t = token.get();
    const source = new EventSource(`${path}?access_token=${encodeURIComponent(t ?? '')}`);
    const refresh = () => {
      for (const key of JSON.parse(keyText) as unknown[][]) {
        void queryClient.invalidateQueries({ queryKey: key });
      }
    };
    source.addEventListener('ready', () => setState('live'));
    source.addEventListener('change', refresh);
    source.addEventListener('resync', refresh);
    source.onerror = () => setState('reconnecting');
    source.onopen = () => {
      setState('live');
      refresh();
    };
    return () => source.close();
  }, [path, keyText, queryClient]);
  return state;
}
