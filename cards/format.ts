// Platform-neutral formatting shared by the Slack and Teams card builders: pure, no escaping (each
// platform's builder escapes through cards/text.ts), no icons (each platform has its own).

export function sameAddress(a: string | undefined, b: string | undefined): boolean {
  return (a ?? '').trim().toLowerCase() === (b ?? '').trim().toLowerCase();
}

/** An SPF / DKIM / DMARC verdict, reduced to what a card shows an icon for. */
export type VerdictKind = 'pass' | 'fail' | 'warn' | 'none' | 'unknown';

export function verdictKind(verdict: string): VerdictKind {
  const v = verdict.trim().toLowerCase();
  if (v === 'pass') return 'pass';
  if (v === 'fail' || v === 'hardfail' || v === 'permerror') return 'fail';
  if (v === 'softfail' || v === 'neutral' || v === 'temperror' || v === 'policy') return 'warn';
  if (v === 'none' || v === '') return 'none';
  return 'unknown';
}

export function formatSize(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '? B';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(1)} GB`;
}

/** Items flagged as suspicious first, otherwise in the order found (stable). */
export function flaggedFirst<T>(items: readonly T[], flagged: (t: T) => boolean): T[] {
  return [...items.filter(flagged), ...items.filter((t) => !flagged(t))];
}

/** `10:42 UTC (in 12 min)`; without `now` (cards stay pure of the clock) just the time. */
export function expiryText(iso: string | undefined, now: Date | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const abs = `${d.toISOString().slice(11, 16)} UTC`;
  if (!now) return abs;
  const mins = Math.ceil((d.getTime() - now.getTime()) / 60_000);
  return mins > 0 ? `${abs} (in ${mins} min)` : `${abs} (now)`;
}
