import { fetchCartSummary } from "./api";

export function formatTotal(totalCents) {
  return (totalCents / 100).toFixed(2);
}

export class CartBadge {
  constructor(element) {
    this.element = element;
  }

  async refresh(baseUrl) {
    const summary = await fetchCartSummary(baseUrl);
    this.element.textContent = formatTotal(summary.totalCents);
  }
}
