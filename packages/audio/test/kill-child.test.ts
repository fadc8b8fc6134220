// killChild: SIGKILL by the child's own pid, only while it has not exited, never through ChildProcess.kill() (whose
// pid is 0 once libuv reaped a child Node could not report: a signal to pid 0 is the caller's whole process group).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { killChild } from '../src/index.js';

afterEach(() => vi.restoreAllMocks());

describe('killChild', () => {
  it('kills a running child by its pid', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    const exit = once(child, 'exit');
    const kill = vi.spyOn(process, 'kill');
    killChild(child);
    expect(kill).toHaveBeenCalledWith(child.pid, 'SIGKILL');
    const [code, signal] = (await exit) as [number | null, string | null];
    expect(code).toBeNull();
    expect(signal).toBe('SIGKILL');
  });

  it('signals nothing for a child that exited, and never pid 0, a negative pid or ChildProcess.kill()', async () => {
    const done = spawn(process.execPath, ['-e', '']);
    await once(done, 'exit');
    const kill = vi.spyOn(process, 'kill');
    killChild(done);
    const reaped = { pid: 0, exitCode: null, signalCode: null, kill: vi.fn() };
    killChild(reaped);
    killChild({ pid: -5, exitCode: null, signalCode: null });
    killChild({ pid: undefined, exitCode: null, signalCode: null });
    expect(kill).not.toHaveBeenCalled();
    expect(reaped.kill).not.toHaveBeenCalled();
  });

  it('a child that is already gone is not an error', () => {
    // a pid that no process has (the largest pid Linux allows is 2^22)
    expect(() => killChild({ pid: 2 ** 22 + 12345, exitCode: null, signalCode: null })).not.toThrow();
  });
});
