/** Items grouped by workspace, in arrival order within each (writes are per workspace). */
export function byWorkspace<T>(items: Iterable<T>, workspaceOf: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const id = workspaceOf(item);
    const list = out.get(id);
    if (list === undefined) out.set(id, [item]);
    else list.push(item);
  }
  return out;
}
