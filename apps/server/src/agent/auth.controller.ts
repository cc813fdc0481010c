import { Body, Controller, Get, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedRequest, AuthGuard, AuthService, CurrentUser } from '@app/auth';
import type { AuthUser, LoginResult } from '@app/contracts';
import { LoginDto } from './agent.dto';

interface LoginRequest {
  ip?: string;
  socket?: { remoteAddress?: string };
}

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /** Signs an agent or admin in: `{ token, expiresAt, user }`. Failed attempts per email + IP are limited. */
  @Post('login')
  @HttpCode(200)
  @ApiOkResponse({ description: '{ token, expiresAt, user }' })
  login(@Body() dto: LoginDto, @Req() req: LoginRequest): Promise<LoginResult> {
    // req.ip follows Express's `trust proxy` setting (TRUST_PROXY).
    return this.auth.login(dto.email, dto.password, req.ip ?? req.socket?.remoteAddress ?? 'unknown');
  }

  /** Revokes this token (on every server instance). */
  @Post('logout')
  @HttpCode(204)
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  async logout(@Req() req: AuthenticatedRequest, @CurrentUser() user: AuthUser): Promise<void> {
    await this.auth.logout(req.authToken!, user);
  }

  @Get('me')
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  me(@CurrentUser() user: AuthUser): AuthUser {
    return user;
  }
}
