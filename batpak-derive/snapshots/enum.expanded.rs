const _: () = {
    #[automatically_derived]
    impl AccountEvent {
        /// The kind `AccountEvent::Opened` events are stored as (category 1, type id 0x001).
        pub const OPENED: ::batpak::__private::EventKind = ::batpak::__private::EventKind::custom(
            1,
            0x001,
        );
        /// The kind `AccountEvent::Deposited` events are stored as (category 1, type id 0x002).
        pub const DEPOSITED: ::batpak::__private::EventKind = ::batpak::__private::EventKind::custom(
            1,
            0x002,
        );
        /// The kind `AccountEvent::Renamed` events are stored as (category 1, type id 0x003).
        pub const RENAMED: ::batpak::__private::EventKind = ::batpak::__private::EventKind::custom(
            1,
            0x003,
        );
    }
    #[derive(::batpak::__private::serde::Serialize)]
    #[serde(crate = "::batpak::__private::serde")]
    #[allow(dead_code, non_camel_case_types)]
    struct __BatpakEncodeOpened {}
    #[derive(::batpak::__private::serde::Deserialize)]
    #[serde(crate = "::batpak::__private::serde")]
    #[allow(dead_code, non_camel_case_types)]
    struct __BatpakDecodeOpened {}
    #[derive(::batpak::__private::serde::Serialize)]
    #[serde(crate = "::batpak::__private::serde")]
    #[allow(dead_code, non_camel_case_types)]
    struct __BatpakEncodeDeposited<'__batpak> {
        cents: &'__batpak u64,
        #[serde(default)]
        memo: &'__batpak Option<String>,
    }
    #[derive(::batpak::__private::serde::Deserialize)]
    #[serde(crate = "::batpak::__private::serde")]
    #[allow(dead_code, non_camel_case_types)]
    struct __BatpakDecodeDeposited {
        cents: u64,
        #[serde(default)]
        memo: Option<String>,
    }
    #[derive(::batpak::__private::serde::Serialize)]
    #[serde(crate = "::batpak::__private::serde")]
    #[allow(dead_code, non_camel_case_types)]
    struct __BatpakEncodeRenamed<'__batpak>(&'__batpak String);
    #[derive(::batpak::__private::serde::Deserialize)]
    #[serde(crate = "::batpak::__private::serde")]
    #[allow(dead_code, non_camel_case_types)]
    struct __BatpakDecodeRenamed(String);
    #[automatically_derived]
    impl ::batpak::__private::EventPayload for AccountEvent {
        const KINDS: &'static [::batpak::__private::EventKind] = &[
            Self::OPENED,
            Self::DEPOSITED,
            Self::RENAMED,
        ];
        const VERSION: ::core::primitive::u16 = 1;
        const TYPE_NAME: &'static ::core::primitive::str = "AccountEvent";
        fn kind(&self) -> ::batpak::__private::EventKind {
            match self {
                Self::Opened => Self::OPENED,
                Self::Deposited { .. } => Self::DEPOSITED,
                Self::Renamed(..) => Self::RENAMED,
            }
        }
        fn encode_payload(
            &self,
        ) -> ::core::result::Result<
            ::std::vec::Vec<::core::primitive::u8>,
            ::batpak::__private::PayloadError,
        > {
            let type_name = <Self as ::batpak::__private::EventPayload>::TYPE_NAME;
            match self {
                Self::Opened => {
                    ::batpak::__private::encode_msgpack(
                        type_name,
                        &__BatpakEncodeOpened {},
                    )
                }
                Self::Deposited { cents: __field0, memo: __field1 } => {
                    ::batpak::__private::encode_msgpack(
                        type_name,
                        &__BatpakEncodeDeposited {
                            cents: __field0,
                            memo: __field1,
                        },
                    )
                }
                Self::Renamed(__field0) => {
                    ::batpak::__private::encode_msgpack(
                        type_name,
                        &__BatpakEncodeRenamed(__field0),
                    )
                }
            }
        }
        fn decode_payload(
            kind: ::batpak::__private::EventKind,
            bytes: &[::core::primitive::u8],
        ) -> ::core::result::Result<Self, ::batpak::__private::PayloadError> {
            let type_name = <Self as ::batpak::__private::EventPayload>::TYPE_NAME;
            if kind == Self::OPENED {
                let __BatpakDecodeOpened {}: __BatpakDecodeOpened = ::batpak::__private::decode_msgpack(
                    type_name,
                    kind,
                    bytes,
                )?;
                return ::core::result::Result::Ok(Self::Opened);
            }
            if kind == Self::DEPOSITED {
                let __BatpakDecodeDeposited {
                    cents: __field0,
                    memo: __field1,
                }: __BatpakDecodeDeposited = ::batpak::__private::decode_msgpack(
                    type_name,
                    kind,
                    bytes,
                )?;
                return ::core::result::Result::Ok(Self::Deposited {
                    cents: __field0,
                    memo: __field1,
                });
            }
            if kind == Self::RENAMED {
                let __BatpakDecodeRenamed(__field0): __BatpakDecodeRenamed = ::batpak::__private::decode_msgpack(
                    type_name,
                    kind,
                    bytes,
                )?;
                return ::core::result::Result::Ok(Self::Renamed(__field0));
            }
            ::core::result::Result::Err(::batpak::__private::unknown_kind::<Self>(kind))
        }
    }
};
