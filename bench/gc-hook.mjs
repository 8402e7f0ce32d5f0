// Preloaded into the worker processes of the RSS measures (`node --expose-gc --import
// ./bench/gc-hook.mjs --import tsx <entry>`). On SIGWINCH (ignored by default; the SDK takes
// SIGUSR2 as a shutdown signal): a full garbage collection in every thread (the SDK runs the
// workflows in a thread of their own, with its own V8 heap), then one line with the main
// thread's process.memoryUsage() and each other thread's heap, so RSS is read on the live set
// rather than on garbage V8 has not collected yet. Nothing else changes in the worker. Plain
// JavaScript: Node loads it into the workflow thread too, where no TypeScript loader runs.
import { setTimeout, clearTimeout } from 'node:timers';
import v8 from 'node:v8';
import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads';

const gc = globalThis.gc;
if (typeof gc === 'function') {
  const channel = new BroadcastChannel('bench-gc');
  channel.unref();
  if (isMainThread) {
    process.on('SIGWINCH', () => {
      // The SDK runs one workflow thread (reuseV8Context): wait for its answer (a busy thread
      // answers late), then a little for any other.
      const threads = [];
      let timer;
      const report = () => {
        clearTimeout(timer);
        channel.onmessage = null;
        gc();
        console.log(`[bench-gc] ${JSON.stringify({ ...process.memoryUsage(), threads })}`);
      };
      channel.onmessage = (event) => {
        if (event.data?.kind !== 'heap') return;
        threads.push(event.data);
        if (threads.length === 1) setTimeout(report, 200);
      };
      timer = setTimeout(report, 20_000);
      channel.postMessage({ kind: 'gc' });
    });
  } else {
    channel.onmessage = (event) => {
      if (event.data?.kind !== 'gc') return;
      gc();
      const heap = v8.getHeapStatistics();
      channel.postMessage({ kind: 'heap', threadId, heapUsed: heap.used_heap_size });
    };
  }
}
