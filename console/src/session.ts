import { useQuery } from '@tanstack/react-query';
import { api, token, unwrap } from './api/client';
import type { ConsoleSettings, Me } from './api/types';

// Who is signed in, and what the console may offer before and after signing in.

export const isInternal = (me: Me) => me.userType === 'HIL';

export function useSettings() {
  return useQuery({
    queryKey: ['settings'],
    queryFn: () => unwrap<ConsoleSettings>(api.GET('/api/console/settings')),
    staleTime: Infinity,
  });
}

export function useMe() {
  return useQuery({
    queryKey: ['me', token.get()],
    queryFn: () => unwrap<Me>(api.GET('/api/me')),
    enabled: token.get() !== null,
    staleTime: Infinity,
    retry: false,
  });
}
