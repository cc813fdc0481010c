import { Body, Controller, Get, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthenticatedRequest, AuthGuard, AuthService, CurrentUser } from '@app/auth';
import type { AuthUser, LoginResult } from '@app/contracts';
import { ChangePasswordDto, LoginDto } from './agent.dto';

interface LoginRequest {
  ip?: string;
  socket?: { remoteAddress?: string };
}

/** req.ip follows Express's `trust proxy` setting (TRUST_PROXY). */
const clientAddress = (req: LoginRequest) => req.ip ?? req.socket?.remoteAddress ?? 'unknown';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /** Signs an agent or admin in: `{ token, expiresAt, user }`. Failed attempts per email + IP are limited. */
  @Post('login')
  @HttpCode(200)
  @ApiOkResponse({ description: '{ token, expiresAt, user }' })
  login(@Body() dto: LoginDto, @Req() req: LoginRequest): Promise<LoginResult> {
    return this.auth.login(dto.email, dto.password, clientAddress(req));
  }

  /** Revokes this token (on every server instance). */
  @Post('logout')
  @HttpCode(204)
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  async logout(@Req() req: AuthenticatedRequest, @CurrentUser() user: AuthUser): Promise<void> {
    await this.auth.logout(req.authToken!, user);
  }

  /** Changes the signed-in user's own password; every session ends and a fresh `{ token, expiresAt, user }` comes back. */
  @Post('password')
  @HttpCode(200)
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  changePassword(@Body() dto: ChangePasswordDto, @CurrentUser() user: AuthUser, @Req() req: LoginRequest): Promise<LoginResult> {
    return this.auth.changePassword(user, dto.currentPassword, dto.newPassword, clientAddress(req));
  }

  @Get('me')
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  me(@CurrentUser() user: AuthUser): AuthUser {
    return user;
  }
}
