import 'express-session';

/** One thing in the cart. */
export interface CartItem {
  name: string;
  /** Epoch ms; the cart lists items in the order they were added. */
  addedAt: number;
}

/**
 * The cart as kept in the session. Items are an object keyed by a unique id, not an array:
 * when two requests add an item at once, the session store merges objects key by key, so
 * both additions survive (an array would be replaced whole, losing one).
 */
export interface Cart {
  /** The user the items belong to: a session that changes hands does not hand over the cart. */
  owner: string;
  items: Record<string, CartItem>;
}

/** An item as the cart page shows it, in order. */
export interface CartLine extends CartItem {
  id: string;
}

declare module 'express-session' {
  interface SessionData {
    cart: Cart;
  }
}
