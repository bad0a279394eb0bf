"use client";

import { useCallback, useEffect, useRef, useState } from "react";

export interface QueryState<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
}

/**
 * Loads `fetcher()` whenever `key` changes (null: not yet). Out-of-order answers are dropped;
 * `reload()` refreshes without flashing the loading state; `setData` applies live updates.
 */
export function useQuery<T>(key: string | null, fetcher: () => Promise<T>) {
  const [state, setState] = useState<QueryState<T>>({ data: undefined, error: undefined, loading: key !== null });
  const fetcherRef = useRef(fetcher);
  const seq = useRef(0);
  useEffect(() => {
    fetcherRef.current = fetcher;
  });

  const run = useCallback(async (silent: boolean) => {
    const mine = ++seq.current;
    if (!silent) setState((s) => ({ ...s, loading: true }));
    try {
      const data = await fetcherRef.current();
      if (mine === seq.current) setState({ data, error: undefined, loading: false });
    } catch (error) {
      if (mine === seq.current) setState((s) => ({ data: s.data, error: error as Error, loading: false }));
    }
  }, []);

  useEffect(() => {
    if (key === null) return;
    void run(false);
  }, [key, run]);

  // A query without a key is not asked yet: a reload (a socket's catch-up) must not ask it either.
  const reload = useCallback(async () => {
    if (key !== null) await run(true);
  }, [key, run]);
  const setData = useCallback((update: (data: T | undefined) => T | undefined) => {
    setState((s) => ({ ...s, data: update(s.data) }));
  }, []);

  return { ...state, reload, setData };
}
