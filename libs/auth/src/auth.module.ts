import { Global, Module } from '@nestjs/common';
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
  providers: [AuthService, UsersService, AuditService, AuthGuard, RolesGuard],
  exports: [AuthService, UsersService, AuditService, AuthGuard, RolesGuard],
})
export class AuthModule {}
