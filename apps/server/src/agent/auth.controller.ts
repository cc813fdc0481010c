import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiTokenService, AuthenticatedRequest, AuthGuard, AuthService, CurrentUser, Roles, RolesGuard } from '@app/auth';
import type { ApiTokenCreated, ApiTokenView, AuthUser, LoginResult } from '@app/contracts';
import { ChangePasswordDto, CreateApiTokenDto, LoginDto } from './agent.dto';

interface LoginRequest {
  ip?: string;
  socket?: { remoteAddress?: string };
}

/** req.ip follows Express's `trust proxy` setting (TRUST_PROXY). */
const clientAddress = (req: LoginRequest) => req.ip ?? req.socket?.remoteAddress ?? 'unknown';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly apiTokens: ApiTokenService,
  ) {}

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

  @Get('tokens')
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: "Your personal API tokens (not revoked), newest first: never the tokens themselves" })
  @ApiOkResponse({ description: '[{ id, name, prefix, createdAt, expiresAt, lastUsedAt }]' })
  tokens(@CurrentUser() user: AuthUser): Promise<ApiTokenView[]> {
    return this.apiTokens.list(user);
  }

  @Get('tokens/others')
  @UseGuards(AuthGuard, RolesGuard)
  @Roles('admin')
  @ApiBearerAuth()
  @ApiOperation({ summary: "Admins: every other user's live API tokens (500 newest) with their owner, to find and revoke one" })
  @ApiOkResponse({ description: '[{ id, name, prefix, createdAt, expiresAt, lastUsedAt, owner: { id, email, name } }]' })
  @ApiForbiddenResponse({ description: 'FORBIDDEN: not an admin' })
  otherTokens(@CurrentUser() admin: AuthUser): Promise<ApiTokenView[]> {
    return this.apiTokens.listOthers(admin.id);
  }

  @Post('tokens')
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Make a personal API token for a script or an integration',
    description:
      'A `pat_…` bearer token that acts with your role (as it is when used) until it expires, is revoked, or your account is disabled. Returned once: only its sha256 is kept. Made from a signed-in session only (403 with an API token); at most 20 live ones (409 API_TOKEN_LIMIT).',
  })
  @ApiCreatedResponse({ description: '{ token, id, name, prefix, createdAt, expiresAt, lastUsedAt }' })
  @ApiForbiddenResponse({ description: 'FORBIDDEN: called with an API token' })
  createToken(@Body() dto: CreateApiTokenDto, @CurrentUser() user: AuthUser, @Req() req: AuthenticatedRequest): Promise<ApiTokenCreated> {
    return this.apiTokens.create(user, req.authToken!, dto);
  }

  @Delete('tokens/:id')
  @HttpCode(204)
  @UseGuards(AuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: "Revoke one of your API tokens (an admin: anyone's)" })
  @ApiNotFoundResponse({ description: 'API_TOKEN_NOT_FOUND' })
  revokeToken(@Param('id', new ParseUUIDPipe()) id: string, @CurrentUser() user: AuthUser): Promise<void> {
    return this.apiTokens.revoke(user, id);
  }
}
