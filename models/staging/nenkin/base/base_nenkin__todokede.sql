-- 届出・申出・申請・請求の受付簿, change file: one row per raw row, typed, with its reject reason.
-- Hand-keyed fields (kojin_no, kiso_nenkin_no, taisho_date) may hold full-width digits and `－`:
-- they are NFKC-normalised before validation, which is not an error.

with

source as (
    {{ incremental_source_rows(source('nenkin', 'todokede')) }}
),

renamed as (
    select
        {{ base_renamed_columns('nenkin', 'todokede') }}
    from source
),

final as (
    select
        {{ base_typed_columns('nenkin', 'todokede') }},
        {{ reject_reason(
            base_column_rules('nenkin', 'todokede') + base_key_rules('nenkin', 'todokede')
        ) }} as reject_reason
    from renamed
)

select * from final
