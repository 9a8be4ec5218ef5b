/** The streams a command talks through; tests pass their own. */
export interface CommandIO {
  stdin: NodeJS.ReadableStream
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
}

/** Returned by a command that keeps running (serve) and sets process.exitCode itself when it ends. */
export const KEEP_RUNNING = -1
