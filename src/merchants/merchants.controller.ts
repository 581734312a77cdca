import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';

import { BusinessParamsDto } from './dto/business-params.dto';
import { BusinessProvidersResponseDto } from './dto/business-providers-response.dto';
import { ListMerchantsQueryDto } from './dto/list-merchants.query.dto';
import { MerchantsPageDto, RegisteredMerchantDto } from './dto/merchant-response.dto';
import { RegisterMerchantDto } from './dto/register-merchant.dto';
import { SupportedProvidersResponseDto } from './dto/supported-providers-response.dto';
import { MerchantsService } from './merchants.service';
import { Caller, CurrentCaller, assertActsFor, scopedFilter } from '../common/auth/caller';
import { ApiEnvelope, ApiErrors, ApiServiceKey } from '../common/http/api-envelope.decorators';

@ApiTags('Merchants')
@ApiServiceKey()
@Controller('api/merchants')
export class MerchantsController {
  constructor(private readonly merchants: MerchantsService) {}

  @Get('supported')
  @ApiOperation({ summary: 'Providers the gateway supports and the credential fields each needs' })
  @ApiEnvelope(SupportedProvidersResponseDto, { description: 'The provider catalogue' })
  supported(): SupportedProvidersResponseDto {
    return this.merchants.supported();
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: "Register or update a business's provider credentials",
    description:
      'Upsert on (source, businessId, provider). Credentials are encrypted at rest and never returned. ' +
      "`data.callbackUrls` are the URLs to paste into the provider's cabinet.",
  })
  @ApiEnvelope(RegisteredMerchantDto, { description: 'The merchant account (created or updated)' })
  @ApiErrors(400, 403, 413, 415)
  register(
    @Body() body: RegisterMerchantDto,
    @CurrentCaller() caller: Caller,
  ): Promise<RegisteredMerchantDto> {
    assertActsFor(caller, body.source);
    return this.merchants.register(body);
  }

  @Get('by-business/:source/:businessId/providers')
  @ApiOperation({
    summary: 'The providers a business has registered and activated (render one pay button each)',
  })
  @ApiEnvelope(BusinessProvidersResponseDto, { description: 'Active providers; empty when none' })
  @ApiErrors(400, 403)
  providersOfBusiness(
    @Param() params: BusinessParamsDto,
    @CurrentCaller() caller: Caller,
  ): Promise<BusinessProvidersResponseDto> {
    assertActsFor(caller, params.source);
    return this.merchants.listForBusiness(params.source, params.businessId);
  }

  @Get()
  @ApiOperation({ summary: 'Every merchant account, newest first (staff view, cursor-paginated)' })
  @ApiEnvelope(MerchantsPageDto, { description: 'One page of merchant accounts' })
  @ApiErrors(400, 403)
  list(
    @Query() query: ListMerchantsQueryDto,
    @CurrentCaller() caller: Caller,
  ): Promise<MerchantsPageDto> {
    return this.merchants.list(scopedFilter(caller, query));
  }
}
