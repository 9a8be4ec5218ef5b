// Counting the work a synchronous function does, without a clock: a count does not depend on
// the machine's load, so a complexity test built on it cannot flake.
//
// While `fn` runs, the built-ins the engine's loops go through are wrapped (no mock: each still
// runs the real built-in) and counted:
// - each Array method that walks an array (find, some, filter, map, indexOf, ...) counts the
//   array's length, the most it may visit;
// - each step of an array iterator (for-of, spread, new Set(array)) counts one;
// - each Set and Map lookup or insert, and each RegExp.exec, counts one.
// A loop in the engine that is not one of these (an indexed for) goes uncounted; every loop over
// a pod's list in src/engine is one of these.

const ARRAY_WALKS = [
  'every', 'some', 'find', 'findIndex', 'findLast', 'findLastIndex', 'filter', 'map', 'flatMap', 'forEach',
  'reduce', 'reduceRight', 'indexOf', 'lastIndexOf', 'includes', 'join', 'slice', 'concat',
] as const
const ONE_STEP: [object, string][] = [
  [Set.prototype, 'has'], [Set.prototype, 'add'],
  [Map.prototype, 'has'], [Map.prototype, 'get'], [Map.prototype, 'set'],
  [RegExp.prototype, 'exec'],
]

/** Runs `fn` and returns how many counted steps it took (see above). Not re-entrant. */
export function countSteps(fn: () => unknown): number {
  let steps = 0
  const restore: (() => void)[] = []
  const wrap = (target: object, key: string | symbol, counted: (original: (...args: unknown[]) => unknown) => (this: unknown, ...args: unknown[]) => unknown) => {
    const descriptor = Object.getOwnPropertyDescriptor(target, key)!
    const original = descriptor.value as (...args: unknown[]) => unknown
    Object.defineProperty(target, key, { ...descriptor, value: counted(original) })
    restore.push(() => Object.defineProperty(target, key, descriptor))
  }
  for (const name of ARRAY_WALKS) {
    wrap(Array.prototype, name, (original) => function (this: unknown, ...args) {
      steps += (this as unknown[]).length
      return original.apply(this, args)
    })
  }
  for (const key of [Symbol.iterator, 'values', 'entries', 'keys'] as const) {
    wrap(Array.prototype, key, (original) => function (this: unknown) {
      const iterator = original.call(this) as Iterator<unknown>
      return {
        next() {
          steps++
          return iterator.next()
        },
        [Symbol.iterator]() {
          return this
        },
      }
    })
  }
  for (const [target, name] of ONE_STEP) {
    wrap(target, name, (original) => function (this: unknown, ...args) {
      steps++
      return original.apply(this, args)
    })
  }
  try {
    fn()
  } finally {
    for (const undo of restore.reverse()) undo()
  }
  return steps
}
