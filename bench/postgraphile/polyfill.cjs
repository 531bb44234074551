// PostGraphile 5 (grafast, grafserv, @dataplan/pg) needs Node 22, whose only
// feature it uses that Node 20 lacks is Promise.withResolvers (ES2024).
// Preloaded with `node --require ./polyfill.cjs`; a no-op on Node 22+.
"use strict";
if (typeof Promise.withResolvers !== "function") {
  Object.defineProperty(Promise, "withResolvers", {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function withResolvers() {
      let resolve, reject;
      const promise = new this((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}
