import { formatPrice } from "./format.js";

export const TAX_RATE = 0.2;

export class Cart {
  constructor() {
    this.items = [];
  }

  add(item) {
    this.items.push(item);
    return this;
  }

  total() {
    return this.items.reduce((sum, item) => sum + item.price, 0);
  }
}

export function checkout(cart) {
  const amount = cart.total() * (1 + TAX_RATE);
  return formatPrice(amount);
}

const discount = (cart, pct) => new Cart().add({ price: -cart.total() * pct });
