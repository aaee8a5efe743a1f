import {
  HttpTransportType,
  HubConnectionBuilder,
  HubConnectionState,
  LogLevel,
  type HubConnection,
  type IRetryPolicy,
} from '@microsoft/signalr';
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';

/** Path of the Consortium SignalR hub; the auth cookie authenticates it. */
export const HUB_URL = '/hubs/consortium';

export type LiveStatus = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

export interface LiveValue {
  connection: HubConnection | null;
  status: LiveStatus;
  /**
   * Increases every time the connection becomes usable (first start, every reconnect,
   * every restart). Groups are lost on reconnect, so re-join when this changes.
   */
  epoch: number;
}

const LiveContext = createContext<LiveValue>({ connection: null, status: 'connecting', epoch: 0 });

const retryDelaysMs = [0, 2_000, 5_000, 10_000, 20_000];
/** Never give up: a newsroom tool stays open for hours across flaky networks. */
const retryForever: IRetryPolicy = {
  nextRetryDelayInMilliseconds: (context) => retryDelaysMs[context.previousRetryCount] ?? 30_000,
};

/** Holds one hub connection for the signed-in user. Mount it below the signed-in boundary. */
export function LiveProvider({ children }: { children: ReactNode }) {
  const [value, setValue] = useState<LiveValue>({ connection: null, status: 'connecting', epoch: 0 });

  useEffect(() => {
    const connection = new HubConnectionBuilder()
      // Straight to the WebSocket, no negotiate request: behind a load balancer without sticky sessions
      // the negotiate and the connect could reach two different server nodes (decision 0029).
      .withUrl(HUB_URL, { skipNegotiation: true, transport: HttpTransportType.WebSockets })
      .withAutomaticReconnect(retryForever)
      .configureLogging(LogLevel.Warning)
      .build();

    let disposed = false;
    let restartTimer: number | undefined;
    let failures = 0;

    const update = (status: LiveStatus, bumpEpoch = false) => {
      if (disposed) return;
      setValue((v) => ({ connection, status, epoch: bumpEpoch ? v.epoch + 1 : v.epoch }));
    };

    const scheduleStart = () => {
      if (disposed || restartTimer !== undefined) return;
      const delay = retryDelaysMs[Math.min(failures, retryDelaysMs.length - 1)] || 1_000;
      failures += 1;
      restartTimer = window.setTimeout(() => {
        restartTimer = undefined;
        void start();
      }, delay);
    };

    const start = async () => {
      if (disposed || connection.state !== HubConnectionState.Disconnected) return;
      try {
        await connection.start();
        failures = 0;
        update('connected', true);
      } catch {
        if (disposed) return;
        update('disconnected');
        scheduleStart();
      }
    };

    connection.onreconnecting(() => update('reconnecting'));
    connection.onreconnected(() => update('connected', true));
    connection.onclose(() => {
      if (disposed) return;
      update('disconnected');
      scheduleStart();
    });

    // When the browser says the network is back, do not wait for the backoff timer.
    const onOnline = () => {
      if (connection.state === HubConnectionState.Disconnected) {
        window.clearTimeout(restartTimer);
        restartTimer = undefined;
        void start();
      }
    };
    window.addEventListener('online', onOnline);

    setValue({ connection, status: 'connecting', epoch: 0 });
    void start();

    return () => {
      disposed = true;
      window.clearTimeout(restartTimer);
      window.removeEventListener('online', onOnline);
      void connection.stop().catch(() => undefined);
    };
  }, []);

  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLive(): LiveValue {
  return useContext(LiveContext);
}

/** Subscribes to a server-to-client hub method for as long as the component is mounted. */
export function useHubEvent<Args extends unknown[]>(method: string, handler: (...args: Args) => void): void {
  const { connection } = useLive();
  const handlerRef = useRef(handler);
  handlerRef.current = handler;

  useEffect(() => {
    if (!connection) return;
    const listener = (...args: unknown[]) => handlerRef.current(...(args as Args));
    connection.on(method, listener);
    return () => connection.off(method, listener);
  }, [connection, method]);
}
