import { Controller, Get, Render } from '@nestjs/common';
import { CurrentUser, type SessionUser } from 'nest-session-auth';

@Controller()
export class HomeController {
  @Get()
  @Render('index')
  index(@CurrentUser() user: SessionUser) {
    return { title: 'Home', name: user.name };
  }

  @Get('api/me')
  me(@CurrentUser() user: SessionUser) {
    return { name: user.name };
  }
}
