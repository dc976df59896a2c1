import { hashString } from './hash.js';

/**
 * Signals that stay the same for one browser on one device across visits and browser updates (the user
 * agent string is left out: it changes with every release). Order matters: it is part of the hash.
 */
export type FingerprintComponents = Array<[string, string | number | boolean | null]>;

export function hashComponents(components: FingerprintComponents): string {
  return hashString(components.map(([k, v]) => `${k}=${v === null ? '' : String(v)}`).join('|'));
}

function canvasSignal(doc: Document): string | null {
  try {
    const canvas = doc.createElement('canvas');
    canvas.width = 200;
    canvas.height = 40;
    const g = canvas.getContext('2d');
    if (g === null) return null;
    g.textBaseline = 'top';
    g.font = '14px Arial';
    g.fillStyle = '#f60';
    g.fillRect(100, 1, 62, 20);
    g.fillStyle = '#069';
    g.fillText('Touchpoint,\u{1F60A} 1.0', 2, 15);
    g.fillStyle = 'rgba(102,204,0,0.7)';
    g.arc(50, 20, 16, 0, Math.PI * 2);
    g.fill();
    return hashString(canvas.toDataURL());
  } catch {
    return null;
  }
}

function webglSignal(doc: Document): string | null {
  try {
    const gl = doc.createElement('canvas').getContext('webgl') as WebGLRenderingContext | null;
    if (gl === null) return null;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    return info === null
      ? String(gl.getParameter(gl.RENDERER))
      : `${gl.getParameter(info.UNMASKED_VENDOR_WEBGL)}~${gl.getParameter(info.UNMASKED_RENDERER_WEBGL)}`;
  } catch {
    return null;
  }
}

export function collectComponents(win: Window): FingerprintComponents {
  const nav = win.navigator as Navigator & { deviceMemory?: number };
  const scr = win.screen;
  let zone: string | null = null;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    zone = null;
  }
  return [
    ['platform', nav.platform ?? null],
    ['languages', (nav.languages ?? [nav.language]).join(',')],
    ['cores', nav.hardwareConcurrency ?? null],
    ['memory', nav.deviceMemory ?? null],
    ['touch', nav.maxTouchPoints ?? 0],
    ['screen', `${scr.width}x${scr.height}x${scr.colorDepth}`],
    ['dpr', win.devicePixelRatio],
    ['zone', zone],
    ['offset', new Date(2024, 0, 1).getTimezoneOffset()],
    ['canvas', canvasSignal(win.document)],
    ['webgl', webglSignal(win.document)],
  ];
}

/** The browser's fingerprint hash (the seed's cometFingerprint()), computed without third-party code. */
export function computeFingerprint(win: Window): string {
  return hashComponents(collectComponents(win));
}
