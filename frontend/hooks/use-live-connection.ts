"use client";

import { useEffect, useRef, useState } from "react";
import { getLiveSocket, peekLiveSocket, type LiveSocket, type ServerToClientEvents } from "@/lib/socket";

export type LiveMode = "connecting" | "live" | "polling";

export interface LiveOptions {
  /** A socket to use instead of the shared one (tests, other origins). */
  socket?: LiveSocket;
  /** Poll interval while the socket is down. */
  pollMs?: number;
  /** How long to wait for a first connection before polling. */
  connectGraceMs?: number;
}

type Handlers = Partial<ServerToClientEvents>;

/**
 * Subscribes `handlers` to the live socket and keeps a view current when it is not:
 * `catchUp` runs on every (re)connect — events sent while we were away are lost — and every
 * `pollMs` while the socket cannot connect. `pollWhile` false stops polling (e.g. a finished job).
 */
export function useLiveConnection(
  handlers: Handlers,
  catchUp: () => void,
  options: LiveOptions & { pollWhile?: boolean } = {},
): LiveMode {
  const { socket: injected, pollMs = 4000, connectGraceMs = 3000, pollWhile = true } = options;
  const [mode, setMode] = useState<LiveMode>(() => ((injected ?? peekLiveSocket())?.connected ? "live" : "connecting"));
  const handlersRef = useRef(handlers);
  const catchUpRef = useRef(catchUp);
  useEffect(() => {
    handlersRef.current = handlers;
    catchUpRef.current = catchUp;
  });

  useEffect(() => {
    const socket = injected ?? getLiveSocket();
    // Handlers are read through a ref so callers need not memoize them; the untyped view of
    // the socket only serves this forwarding (payload types are checked at the handler).
    const emitter = socket as unknown as { on(e: string, fn: (p: unknown) => void): void; off(e: string, fn: (p: unknown) => void): void };
    const forwards = (Object.keys(handlersRef.current) as (keyof ServerToClientEvents)[]).map((name) => {
      const fn = (payload: unknown) => (handlersRef.current[name] as ((p: unknown) => void) | undefined)?.(payload);
      emitter.on(name, fn);
      return [name, fn] as const;
    });

    const onConnect = () => {
      setMode("live");
      catchUpRef.current();
    };
    const onDown = () => setMode("polling");
    socket.on("connect", onConnect);
    socket.on("disconnect", onDown);
    socket.on("connect_error", onDown);
    if (!socket.connected && !socket.active) socket.connect();
    const grace = setTimeout(() => {
      setMode(socket.connected ? "live" : "polling");
    }, connectGraceMs);

    return () => {
      clearTimeout(grace);
      for (const [name, fn] of forwards) emitter.off(name, fn);
      socket.off("connect", onConnect);
      socket.off("disconnect", onDown);
      socket.off("connect_error", onDown);
    };
  }, [injected, connectGraceMs]);

  useEffect(() => {
    if (mode !== "polling" || !pollWhile) return;
    const timer = setInterval(() => catchUpRef.current(), pollMs);
    return () => clearInterval(timer);
  }, [mode, pollMs, pollWhile]);

  return mode;
}
