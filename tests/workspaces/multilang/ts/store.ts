import { Item } from "./item";

export interface Repository<T> {
  get(id: string): T | undefined;
  put(id: string, value: T): void;
}

export type ItemMap = Map<string, Item>;

export enum Status {
  Active,
  Archived,
}

export class MemoryStore implements Repository<Item> {
  private items: ItemMap = new Map();

  get(id: string): Item | undefined {
    return this.items.get(id);
  }

  put(id: string, value: Item): void {
    this.items.set(id, value);
  }
}

export function makeStore(): MemoryStore {
  return new MemoryStore();
}
