// The framework floor, for `npm run bench`: a minimal Nest app (the same @nestjs/core,
// @nestjs/platform-express and hbs as the app, as `nest new` plus the MVC sample set them up)
// rendering the app's signed-in home page (bench/floor/page.mjs) with @Render for a fixed
// user. No session, guard, CSRF, logging or security headers, and Nest's own ExpressAdapter:
// what the framework itself costs for this page. Plain JavaScript, so decorators are applied
// by hand (the same calls TypeScript's decorators compile to).
import 'reflect-metadata';
import { Controller, Get, Module, Render } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import hbs from 'hbs';
import { homeModel, LOCALS, PARTIALS, VIEWS } from './page.mjs';

class HomeController {
  index() {
    return homeModel();
  }
}
const index = Object.getOwnPropertyDescriptor(HomeController.prototype, 'index');
Get()(HomeController.prototype, 'index', index);
Render('index')(HomeController.prototype, 'index', index);
Controller()(HomeController);

class AppModule {}
Module({ controllers: [HomeController] })(AppModule);

const app = await NestFactory.create(AppModule, { logger: false });
// oxlint-disable-next-line no-underscore-dangle
app.engine('hbs', hbs.__express);
app.setViewEngine('hbs');
app.setBaseViewsDir(VIEWS);
hbs.registerPartials(PARTIALS);
Object.assign(app.getHttpAdapter().getInstance().locals, LOCALS);
await app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1');
process.once('SIGTERM', () => app.close().then(() => process.exit(0)));
