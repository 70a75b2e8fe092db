export interface CartSummary {
  totalCents: number;
  itemCount: number;
}

export async function fetchCartSummary(baseUrl: string): Promise<CartSummary> {
  const response = await fetch(`${baseUrl}/cart`);
  return parseCartSummary(await response.json());
}

export function parseCartSummary(raw: unknown): CartSummary {
  const data = raw as CartSummary;
  return { totalCents: data.totalCents, itemCount: data.itemCount };
}
