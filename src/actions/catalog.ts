// The action catalog: the one list of everything Hookline can do. Commands, help, modals, result
// rendering, manifests, role checks and audit all read this; nothing else declares an action.
import type { ActionDef } from './types.ts';

export class Catalog<V = unknown> {
  private readonly byId = new Map<string, ActionDef<any, any, V>>();

  register(...defs: ActionDef<any, any, V>[]): this {
    for (const d of defs) {
      if (this.byId.has(d.id)) throw new Error(`action ${d.id} is declared twice`);
      if (d.id !== `${d.vendor}.${d.name}`) throw new Error(`action id ${d.id} must be "${d.vendor}.${d.name}"`);
      this.byId.set(d.id, d);
    }
    return this;
  }

  get(id: string): ActionDef<any, any, V> | undefined {
    return this.byId.get(id);
  }

  /** Looks an action up by its command words (`mimecast release-message`). */
  find(vendor: string, name: string): ActionDef<any, any, V> | undefined {
    return this.byId.get(`${vendor.toLowerCase()}.${name.toLowerCase()}`);
  }

  list(): ActionDef<any, any, V>[] {
    return [...this.byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  vendors(): string[] {
    return [...new Set(this.list().map((d) => d.vendor))];
  }
}
