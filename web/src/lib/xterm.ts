// xterm.js for the SSH terminal and the recording player: loaded on first use (its own chunk,
// with its stylesheet), and the options both use (a dark screen in either theme, as terminals
// are, so that remote colours stay readable).

import type { ITerminalOptions } from '@xterm/xterm';

export const TERMINAL_OPTIONS: ITerminalOptions = {
  convertEol: false,
  fontFamily: "'DejaVu Sans Mono', ui-monospace, Menlo, Consolas, monospace",
  fontSize: 13,
  scrollback: 5000,
  cursorBlink: true,
  theme: {
    background: '#0f1215',
    foreground: '#d3d9df',
    cursor: '#5ea2ff',
    cursorAccent: '#0f1215',
    selectionBackground: '#1c3656',
  },
};

/** The Terminal class and the fit addon (the stylesheet comes with them). */
export async function loadXterm() {
  const [xterm, fit] = await Promise.all([import('@xterm/xterm'), import('@xterm/addon-fit'), import('@xterm/xterm/css/xterm.css')]);
  return { Terminal: xterm.Terminal, FitAddon: fit.FitAddon };
}

