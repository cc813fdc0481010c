import { Global, Module } from '@nestjs/common';
import { ApiTokenService } from './api-token.service';
import { AuditService } from './audit.service';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { RolesGuard } from './roles.guard';
import { UsersService } from './users.service';

/**
 * Accounts, sign-in tokens, role guards and the audit log, for every module (global). Needs DatabaseModule
 * and ConfigModule (both global). Creates the first admin at boot.
 */
@Global()
@Module({
  providers: [AuthService, UsersService, AuditService, AuthGuard, RolesGuard, ApiTokenService],
  exports: [AuthService, UsersService, AuditService, AuthGuard, RolesGuard, ApiTokenService],
})
export class AuthModule {}
