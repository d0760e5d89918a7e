import { Module } from '@nestjs/common';
import { CartController } from './cart.controller.js';
import { CartService } from './cart.service.js';

/**
 * An example of a feature on top of SessionModule and AuthModule: its routes are guarded by
 * default, it reads the user with `@CurrentUser()` and keeps its data under a typed session key.
 */
@Module({ controllers: [CartController], providers: [CartService] })
export class CartModule {}
