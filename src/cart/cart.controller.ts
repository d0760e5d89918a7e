import { Body, Controller, Get, HttpStatus, Param, Post, Render, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  CurrentUser,
  FormRefusedException,
  SessionService,
  type FormPage,
  type SessionUser,
} from 'nest-session-auth';
import { CartService } from './cart.service.js';
import { addItemSchema, itemIndexSchema } from './dto/cart.schema.js';

const CART_PAGE: FormPage = { view: 'cart', title: 'Your cart' };

/** The cart: guarded like every route without `@Public()`. */
@Controller('cart')
export class CartController {
  constructor(
    private readonly cart: CartService,
    private readonly sessions: SessionService,
  ) {}

  @Get()
  @Render(CART_PAGE.view)
  show(@CurrentUser() user: SessionUser, @Req() req: Request) {
    return { title: CART_PAGE.title, items: this.cart.list(req.session, user) };
  }

  @Post('items')
  async add(
    @Body() body: unknown,
    @CurrentUser() user: SessionUser,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const form = addItemSchema.safeParse(body);
    if (!form.success) {
      const items = this.cart.list(req.session, user);
      const errors = { item: form.error.issues[0].message };
      throw FormRefusedException.invalid(CART_PAGE, errors, { item: typed(body), items });
    }
    await this.change(req, res, user, () => this.cart.add(req.session, user, form.data.item));
  }

  @Post('items/:index/remove')
  async remove(
    @Param('index') index: string,
    @CurrentUser() user: SessionUser,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const position = itemIndexSchema.safeParse(index);
    await this.change(req, res, user, () =>
      this.cart.remove(req.session, user, position.success ? position.data : -1),
    );
  }

  /**
   * Applies a change and saves it before the redirect (a store failure is a 503, not a lost
   * item). A refused change (4xx), including a save refused because parallel adds filled the
   * cart meanwhile, shows the cart as stored with the reason.
   */
  private async change(
    req: Request,
    res: Response,
    user: SessionUser,
    apply: () => void,
  ): Promise<void> {
    try {
      apply();
      await this.sessions.save(req);
    } catch (error) {
      if (!FormRefusedException.isRefusal(error)) throw error;
      await this.sessions.reload(req);
      throw FormRefusedException.from(error, CART_PAGE, {
        items: this.cart.list(req.session, user),
      });
    }
    res.redirect(HttpStatus.SEE_OTHER, '/cart');
  }
}

/** What was typed into the item field, to show it again. */
function typed(body: unknown): string | undefined {
  const item = (body as Record<string, unknown> | undefined)?.item;
  return typeof item === 'string' ? item : undefined;
}
