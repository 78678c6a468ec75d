/**
 * Collect every page of a list call. A service that hands back the token it was given
 * would loop forever; stopping there (and after a generous page cap) keeps a buggy
 * endpoint from hanging a job.
 */
export interface Page<T> {
  items: T[];
  next?: string | undefined;
}

const MAX_PAGES = 1000;

export async function collectPages<T>(
  fetchPage: (token?: string) => Promise<Page<T>>,
): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, next } = await fetchPage(token);
    all.push(...items);
    if (!next || next === token) break;
    token = next;
  }
  return all;
}

/** Run `fn` over `items` with at most `limit` calls in flight, keeping the input order. */
export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let nextIndex = 0;
  async function worker(): Promise<void> {
    while (nextIndex < items.length) {
      const index = nextIndex++;
      results[index] = await fn(items[index] as T);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
