import { randomBytes } from 'node:crypto';
import { BadRequestException, Injectable } from '@nestjs/common';
import type { SessionData } from 'express-session';
import { SessionService, type SessionUser } from 'nest-session-auth';
import type { CartLine } from './cart.types.js';

/** How many items a cart holds. */
export const MAX_CART_ITEMS = 100;

type CartSession = Partial<SessionData>;

const cartFull = () =>
  new BadRequestException(`Your cart is full: it holds at most ${MAX_CART_ITEMS} items.`);

/** The signed-in user's cart, kept in their session. */
@Injectable()
export class CartService {
  constructor(sessions: SessionService) {
    // Parallel adds are merged; together they must not pass the cap either.
    sessions.addMergeCheck(({ cart }) => {
      if (cart && Object.keys(cart.items).length > MAX_CART_ITEMS) throw cartFull();
    });
  }

  /** The user's items in the order they were added. */
  list(session: CartSession, user: SessionUser): CartLine[] {
    const items = session.cart?.owner === user.id ? session.cart.items : {};
    return Object.entries(items)
      .map(([id, item]) => ({ id, ...item }))
      .toSorted((a, b) => a.addedAt - b.addedAt || a.id.localeCompare(b.id));
  }

  add(session: CartSession, user: SessionUser, name: string): void {
    if (this.list(session, user).length >= MAX_CART_ITEMS) throw cartFull();
    if (session.cart?.owner !== user.id) session.cart = { owner: user.id, items: {} };
    session.cart.items[newItemId()] = { name, addedAt: Date.now() };
  }

  /** Removes the item at `index` (from 0) of `list()`. */
  remove(session: CartSession, user: SessionUser, index: number): void {
    const line = this.list(session, user)[index];
    if (!line) throw new BadRequestException('No item at that position.');
    delete session.cart!.items[line.id];
  }
}

/** Unique without coordination between requests or instances; sorts by time. */
function newItemId(): string {
  return `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}
