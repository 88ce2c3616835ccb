// Minimal Prometheus text exposition: counters and gauges keyed by name + labels. Enough for
// /metrics without a dependency; values are process-local (each replica exposes its own).
type Labels = Record<string, string>;

const key = (name: string, labels: Labels = {}) => {
  const l = Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`)
    .join(',');
  return l ? `${name}{${l}}` : name;
};

export class Metrics {
  private readonly values = new Map<string, number>();
  private readonly help = new Map<string, { type: 'counter' | 'gauge'; text: string }>();

  describe(name: string, type: 'counter' | 'gauge', text: string): void {
    this.help.set(name, { type, text });
  }

  inc(name: string, labels?: Labels, by = 1): void {
    const k = key(name, labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }

  set(name: string, value: number, labels?: Labels): void {
    this.values.set(key(name, labels), value);
  }

  get(name: string, labels?: Labels): number {
    return this.values.get(key(name, labels)) ?? 0;
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, h] of this.help) {
      lines.push(`# HELP ${name} ${h.text}`, `# TYPE ${name} ${h.type}`);
      for (const [k, v] of this.values) if (k === name || k.startsWith(`${name}{`)) lines.push(`${k} ${v}`);
    }
    return lines.join('\n') + '\n';
  }
}
