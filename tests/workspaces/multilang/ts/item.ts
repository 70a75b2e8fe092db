export interface Item {
  id: string;
  status: number;
}

export const MAX_ITEMS = 100;
