# ruff: noqa: E501  (the catalogue holds whole sentences; splitting them would hide them from translators)
"""The message catalogue: every text of the portal in Finnish, Swedish and English.

Finland is bilingual (the operating model exists in both Finnish and Swedish); English serves staff
who use neither. A page's language comes from `?lang=` (remembered in a cookie), then the cookie,
then the browser's `Accept-Language`, else Finnish. Each entry is (fi, sv, en); a test checks that
every key used by a template or a page exists here, and every rejection code has plain words.
"""

from __future__ import annotations

from typing import Any, Literal

from kaiku_contracts.enums import RejectionReason

Lang = Literal["fi", "sv", "en"]
LANGS: tuple[Lang, ...] = ("fi", "sv", "en")
DEFAULT_LANG: Lang = "fi"
LANGUAGES: tuple[tuple[Lang, str], ...] = (("fi", "Suomeksi"), ("sv", "På svenska"), ("en", "In English"))

M: dict[str, tuple[str, str, str]] = {
    # -- frame ---------------------------------------------------------------------------------
    "app.name": ("Kaikukortti – henkilöstön palvelu", "Kaikukortet – personalens tjänst", "Kaikukortti staff portal"),
    "app.footer": (
        "Rekisteriin ei koskaan tallenneta kortinhaltijan nimeä, henkilötunnusta, syntymäaikaa, osoitetta tai puhelinnumeroa.",
        "Registret sparar aldrig kortinnehavarens namn, personbeteckning, födelsedatum, adress eller telefonnummer.",
        "The register never stores a card holder's name, identity code, birth date, address or phone number.",
    ),
    "nav.skip": ("Siirry sisältöön", "Gå till innehållet", "Skip to content"),
    "nav.languages": ("Kieli", "Språk", "Language"),
    "nav.main": ("Päävalikko", "Huvudmeny", "Main menu"),
    "nav.sign_out": ("Kirjaudu ulos", "Logga ut", "Sign out"),
    "nav.home": ("Etusivulle", "Till startsidan", "To the start page"),
    "nav.grant": ("Myönnä kortti", "Bevilja kort", "Grant a card"),
    "nav.cards": ("Myönnetyt kortit", "Beviljade kort", "Cards granted"),
    "nav.import": ("Paperilomakkeet", "Pappersblanketter", "Paper forms"),
    "nav.box_office": ("Lipunmyynti", "Biljettkassa", "Box office"),
    "nav.performances": ("Esitykset", "Föreställningar", "Performances"),
    "nav.venue_report": ("Käyttöraportti", "Användningsrapport", "Venue report"),
    "nav.region": ("Alueen kumppanit", "Regionens partner", "Region's partners"),
    "nav.region_stats": ("Alueen tilastot", "Regionens statistik", "Region statistics"),
    "nav.accounts": ("Tunnukset", "Konton", "Accounts"),
    "nav.password": ("Vaihda salasana", "Byt lösenord", "Change password"),
    "nav.own_stats": ("Tilastot", "Statistik", "Statistics"),
    "own.distributor_title": (
        "Myöntämiemme korttien tilastot",
        "Statistik över våra beviljade kort",
        "Statistics of our cards",
    ),
    "own.venue_title": ("Kohteemme tilastot", "Statistik för vårt besöksmål", "Statistics of our venue"),
    "own.by_branch": (
        "Myönnetyt kortit toimipisteittäin {period}",
        "Beviljade kort per verksamhetsställe {period}",
        "Cards granted by branch, {period}",
    ),
    "own.branch": ("Toimipiste", "Verksamhetsställe", "Branch"),
    "own.no_branch": ("ei toimipistettä", "inget verksamhetsställe", "no branch"),
    "own.by_performance": (
        "Käyttö esityksittäin {period}",
        "Användning per föreställning {period}",
        "Uses by performance, {period}",
    ),
    "own.performance": ("Esitys", "Föreställning", "Performance"),
    "own.places": ("Kaikukorttipaikat", "Kaikukortplatser", "Card-holder places"),
    "own.places_used": ("{used} / {limit} käytetty", "{used} / {limit} använda", "{used} of {limit} used"),
    "own.limit_reached": ("raja täynnä", "gränsen nådd", "limit reached"),
    "own.no_limit": ("ei rajaa", "ingen gräns", "no limit"),
    "nav.flags": ("Väärinkäyttövahti", "Missbruksbevakning", "Misuse watch"),
    "open.title": ("Kaikukortin tilastot", "Kaikukortets statistik", "Kaikukortti statistics"),
    "open.intro": (
        "Kaikukortin myönnetyt kortit ja käytöt koko maassa ja alueittain. Kuka tahansa voi katsoa ja käyttää näitä lukuja.",
        "Beviljade Kaikukort och deras användning i hela landet och per region. Vem som helst får se och använda siffrorna.",
        "Kaikukortti cards granted and used in the whole country and by region. Anyone may view and use these figures.",
    ),
    "open.region": ("Alueen tunnus", "Regionens kod", "Region id"),
    "open.region_hint": (
        "Jätä tyhjäksi, niin näet koko maan luvut.",
        "Lämna tomt för att se siffrorna för hela landet.",
        "Leave empty for the whole country.",
    ),
    "open.whole_country": ("koko maa", "hela landet", "the whole country"),
    "open.figures": ("Luvut {period}: {where}", "Siffror {period}: {where}", "Figures {period}: {where}"),
    "open.feed": ("Avoin data", "Öppna data", "Open data"),
    "open.feed_intro": (
        "Samat luvut koneluettavina. Osoite pysyy samana kullekin ajanjaksolle ja alueelle.",
        "Samma siffror i maskinläsbar form. Adressen är densamma för varje period och region.",
        "The same figures, machine-readable. The address stays the same for each period and region.",
    ),
    "open.licence": ("Lisenssi:", "Licens:", "Licence:"),
    "flags.title": ("Väärinkäyttövahti", "Missbruksbevakning", "Misuse watch"),
    "flags.intro": (
        "Käytöt, jotka kannattaa tarkistaa: sama kortti kahdessa paikassa lähes samaan aikaan, tavallista useammin viikossa, tai raportin rivi kortille, joka ei ollut silloin voimassa.",
        "Användningar som är värda att kontrollera: samma kort på två ställen nästan samtidigt, oftare än vanligt under en vecka, eller en rapportrad för ett kort som inte gällde då.",
        "Uses worth a look: one card at two places at almost the same time, more often than usual in a week, or a report row for a card that was not valid then.",
    ),
    "flags.region_hint": (
        "Jätä tyhjäksi, niin näet kaikkien alueiden merkinnät.",
        "Lämna tomt för att se alla regioners markeringar.",
        "Leave empty for every region's flags.",
    ),
    "flags.caption": (
        "Merkinnät, uusin ensin ({count})",
        "Markeringar, nyaste först ({count})",
        "Flags, newest first ({count})",
    ),
    "flags.rule": ("Havainto", "Iakttagelse", "Finding"),
    "flags.raised_at": ("Havaittu", "Upptäckt", "Found"),
    "flags.region": ("Alue", "Region", "Region"),
    "flags.card": ("Kortti", "Kort", "Card"),
    "flags.detail": ("Mitä löytyi", "Vad som hittades", "What was found"),
    "flags.uses": ("Käytöt", "Användningar", "Uses"),
    "flags.none": ("Ei merkintöjä.", "Inga markeringar.", "No flags."),
    "flag.card_used_at_overlapping_performances": (
        "Sama kortti kahdessa paikassa lähes samaan aikaan",
        "Samma kort på två ställen nästan samtidigt",
        "One card at two places at almost the same time",
    ),
    "flag.many_uses_in_a_week": (
        "Tavallista enemmän käyttöjä viikossa",
        "Fler användningar än vanligt under en vecka",
        "More uses in a week than usual",
    ),
    "flag.use_of_card_not_valid_then": (
        "Raportin rivi kortille, joka ei ollut silloin voimassa",
        "Rapportrad för ett kort som inte gällde då",
        "A report row for a card not valid then",
    ),
    "flag.limit_exceeded_by_paper_forms": (
        "Kaikukorttipaikkojen raja ylittyi paperilomakkeilla",
        "Gränsen för Kaikukortplatser överskreds med pappersblanketter",
        "The card-holder limit exceeded through paper forms",
    ),
    "nav.national": ("Valtakunnallinen näkymä", "Riksomfattande översikt", "National dashboard"),
    "role.national": ("valtakunnallinen toimisto", "riksomfattande kontor", "national office"),
    "role.region_admin": ("alueen koordinaattori", "regionens koordinator", "regional coordinator"),
    "role.distributor": ("jakaja", "utdelare", "distributor"),
    "role.venue": ("kulttuuri- tai liikuntakohde", "kultur- eller idrottsaktör", "venue"),
    "role.agency": ("lipunmyyntiyhtiö", "biljettbolag", "ticket agency"),
    "table.scrollable": ("Taulukko (vieritä sivusuunnassa)", "Tabell (rulla i sidled)", "Table (scroll sideways)"),
    "form.required": ("pakollinen", "obligatorisk", "required"),
    "form.choose": ("– valitse –", "– välj –", "– choose –"),
    # -- sign-in -------------------------------------------------------------------------------
    "login.title": ("Kirjaudu sisään", "Logga in", "Sign in"),
    "login.username": ("Käyttäjätunnus", "Användarnamn", "Username"),
    "login.password": ("Salasana", "Lösenord", "Password"),
    "login.submit": ("Kirjaudu", "Logga in", "Sign in"),
    "login.failed": (
        "Käyttäjätunnus tai salasana on väärin.",
        "Fel användarnamn eller lösenord.",
        "The username or password is wrong.",
    ),
    "login.throttled": (
        "Liian monta epäonnistunutta yritystä. Odota 15 minuuttia tai pyydä koordinaattoria tarkistamaan tunnuksesi.",
        "För många misslyckade försök. Vänta 15 minuter eller be koordinatorn kontrollera ditt konto.",
        "Too many failed attempts. Wait 15 minutes or ask your coordinator to check your account.",
    ),
    "login.signed_out": ("Olet kirjautunut ulos.", "Du har loggat ut.", "You have signed out."),
    "login.help": (
        "Jokaisella on oma tunnus. Tunnuksen saa alueen Kaikukortti-koordinaattorilta.",
        "Var och en har ett eget konto. Du får det av regionens Kaikukort-koordinator.",
        "Everyone has their own account. Your region's Kaikukortti coordinator gives you one.",
    ),
    "login.or": ("tai", "eller", "or"),
    "login.oidc": (
        "Kirjaudu organisaatiosi tunnuksella",
        "Logga in med din organisations konto",
        "Sign in with your organisation's account",
    ),
    "login.oidc_failed": (
        "Kirjautuminen organisaation tunnuksella ei onnistunut tai se peruttiin. Yritä uudelleen.",
        "Inloggningen med organisationens konto lyckades inte eller avbröts. Försök igen.",
        "Signing in with your organisation's account did not succeed or was cancelled. Please try again.",
    ),
    "login.oidc_unavailable": (
        "Organisaation kirjautumispalvelu ei vastaa juuri nyt. Yritä hetken päästä tai kirjaudu salasanalla.",
        "Organisationens inloggningstjänst svarar inte just nu. Försök om en stund eller logga in med lösenord.",
        "Your organisation's sign-in service is not answering right now. Try again shortly or sign in with a password.",
    ),
    "login.oidc_no_account": (
        "Organisaatiosi tunnisti sinut, mutta sinulla ei ole tunnusta tähän palveluun (tai se on suljettu). Pyydä alueen koordinaattoria luomaan tunnus käyttäjätunnukselle {username}.",
        "Din organisation kände igen dig, men du har inget konto i den här tjänsten (eller så är det stängt). Be regionens koordinator skapa ett konto för användarnamnet {username}.",
        "Your organisation recognised you, but you have no account in this portal (or it is closed). Ask your region's coordinator to create one for the username {username}.",
    ),
    # -- errors --------------------------------------------------------------------------------
    "error.detail": ("Lisätieto", "Tilläggsuppgift", "Detail"),
    "error.fix_fields": ("Korjaa merkityt kentät.", "Rätta de markerade fälten.", "Please correct the marked fields."),
    "error.required": ("Täytä tämä kenttä.", "Fyll i fältet.", "Fill in this field."),
    "error.choose": ("Valitse yksi vaihtoehdoista.", "Välj ett av alternativen.", "Choose one of the options."),
    "error.number": (
        "Anna kokonaisluku (0 tai suurempi).",
        "Ange ett heltal (0 eller större).",
        "Enter a whole number (0 or more).",
    ),
    "error.date": ("Anna päivämäärä.", "Ange ett datum.", "Enter a date."),
    "error.datetime": ("Anna päivä ja kellonaika.", "Ange datum och klockslag.", "Enter a date and time."),
    "error.forbidden.title": ("Ei käyttöoikeutta", "Ingen behörighet", "Not allowed"),
    "error.forbidden": (
        "Tämä sivu tai toiminto ei kuulu roolillesi, tai lomake vanheni. Palaa etusivulle ja yritä uudelleen.",
        "Sidan eller funktionen hör inte till din roll, eller så har formuläret gått ut. Gå till startsidan och försök igen.",
        "This page or action is not part of your role, or the form expired. Go to the start page and try again.",
    ),
    "error.not_found.title": ("Sivua ei löydy", "Sidan finns inte", "Page not found"),
    "error.not_found": (
        "Hakemaasi sivua ei ole.",
        "Sidan du söker finns inte.",
        "The page you asked for does not exist.",
    ),
    "error.unexpected.title": ("Jokin meni vikaan", "Något gick fel", "Something went wrong"),
    "error.unexpected": (
        "Pyyntöä ei voitu käsitellä. Yritä hetken päästä uudelleen; jos vika jatkuu, ota yhteys tukeen.",
        "Begäran kunde inte behandlas. Försök igen om en stund; kontakta stödet om felet kvarstår.",
        "The request could not be handled. Try again in a moment; if it keeps happening, contact support.",
    ),
    # -- rejection codes in plain words (docs/contract.md "Errors and rejection reasons") ------------
    "reason.unauthenticated": (
        "Istuntosi on vanhentunut. Kirjaudu uudelleen.",
        "Din session har gått ut. Logga in igen.",
        "Your session has expired. Please sign in again.",
    ),
    "reason.forbidden": (
        "Sinulla ei ole oikeutta tähän (se kuuluu toiselle organisaatiolle tai alueelle).",
        "Du har inte behörighet till detta (det hör till en annan organisation eller region).",
        "You are not allowed to do this (it belongs to another organisation or region).",
    ),
    "reason.agency_not_authorised": (
        "Kohde ei ole valtuuttanut tätä lipunmyyntiyhtiötä.",
        "Aktören har inte gett biljettbolaget behörighet.",
        "The venue has not authorised this ticket agency.",
    ),
    "reason.card_unknown": (
        "Korttia ei löydy rekisteristä. Tarkista koodi. Paperilla myönnetty kortti toimii vasta, kun se on kirjattu rekisteriin.",
        "Kortet finns inte i registret. Kontrollera koden. Ett kort som beviljats på papper fungerar först när det förts in i registret.",
        "The card is not in the register. Check the code. A card granted on paper works only once it has been entered.",
    ),
    "reason.card_expired": (
        "Kortti ei ole voimassa (voimassaolo on päättynyt tai päättyy ennen esitystä).",
        "Kortet är inte giltigt (giltighetstiden har gått ut eller går ut före föreställningen).",
        "The card is not valid (it has expired, or expires before the performance).",
    ),
    "reason.card_revoked": (
        "Kortti on peruttu eikä sitä voi enää käyttää.",
        "Kortet har återkallats och kan inte längre användas.",
        "The card has been revoked and can no longer be used.",
    ),
    "reason.limit_reached": (
        "Tämän esityksen Kaikukortti-lippujen yläraja on täynnä.",
        "Föreställningens övre gräns för Kaikukortsbiljetter är nådd.",
        "The card-holder limit of this performance has been reached.",
    ),
    "reason.already_redeemed": (
        "Tällä kortilla on jo aikuisen lippu tähän esitykseen.",
        "Kortet har redan en vuxenbiljett till den här föreställningen.",
        "This card already has an adult ticket for this performance.",
    ),
    "reason.children_not_allowed_for_course": (
        "Kurssipaikkoihin ei myönnetä lasten lippuja.",
        "Barnbiljetter ges inte till kursplatser.",
        "Child tickets are not given for course places.",
    ),
    "reason.community_card_not_allowed_for_course": (
        "Yhteisökorttia ei voi käyttää kurssipaikkoihin.",
        "Gemenskapskortet kan inte användas för kursplatser.",
        "A community card cannot be used for course places.",
    ),
    "reason.channel_not_allowed": (
        "Tätä myyntikanavaa ei voi käyttää tähän: Kaikukortti-lippuja ei myönnetä verkkokaupan kautta, ja paperilomakkeella tehty käyttö kirjataan vasta, kun esitys on alkanut.",
        "Den här försäljningskanalen går inte här: Kaikukortsbiljetter ges inte via webbutiken, och en användning på pappersblankett registreras först när föreställningen har börjat.",
        "This sales channel cannot be used here: card tickets are not given through a web shop, and a use made on a paper form is recorded only once the performance has started.",
    ),
    "reason.card_not_yet_valid": (
        "Kortti ei ole vielä voimassa tämän esityksen aikaan: se on myönnetty esityksen jälkeen.",
        "Kortet gäller inte ännu vid den här föreställningen: det beviljades efter föreställningen.",
        "The card is not yet valid for this performance: it was granted after the performance date.",
    ),
    "reason.holder_not_attending": (
        "Lasten lippuja annetaan vain, kun kortinhaltija itse on samassa esityksessä. Kirjaa ensin aikuisen lippu tällä kortilla (samassa tai aiemmassa kirjauksessa).",
        "Barnbiljetter ges bara när kortinnehavaren själv är med på samma föreställning. Registrera först en vuxenbiljett med kortet (i samma eller en tidigare registrering).",
        "Child tickets are given only when the card holder is at the same performance. Record an adult ticket on this card first (in this use or an earlier one).",
    ),
    "reason.too_many_child_tickets": (
        "Lasten lippuja on enemmän kuin korttiin merkittyjä alle 18-vuotiaita lapsia ja lapsenlapsia (kaikki tämän esityksen kirjaukset yhteensä).",
        "Fler barnbiljetter än antalet barn och barnbarn under 18 år som antecknats på kortet (alla registreringar för föreställningen tillsammans).",
        "More child tickets than the children and grandchildren under 18 written on the card (all uses for this performance together).",
    ),
    "reason.group_unknown": (
        "Ryhmää ei löydy: kirjaa ensin yhteisökortin käyttö samaan esitykseen.",
        "Gruppen finns inte: registrera först gemenskapskortets användning till samma föreställning.",
        "The group is not known: record the community card's use for the same performance first.",
    ),
    "reason.region_exists": (
        "Tämä tunnus on jo toisen alueen käytössä. Valitse toinen tunnus tai muuta nimeä Muokkaa-toiminnolla.",
        "Det här id:t används redan av en annan region. Välj ett annat id eller byt namn med Redigera.",
        "This id is already taken by another region. Choose another id, or rename it with Edit.",
    ),
    "reason.distributor_exists": (
        "Tämä tunnus on jo toisen jakajan käytössä. Valitse toinen tunnus tai muuta nimeä Muokkaa-toiminnolla.",
        "Det här id:t används redan av en annan utdelare. Välj ett annat id eller byt namn med Redigera.",
        "This id is already taken by another distributor. Choose another id, or rename it with Edit.",
    ),
    "reason.venue_exists": (
        "Tämä tunnus on jo toisen kohteen käytössä. Valitse toinen tunnus tai muuta nimeä Muokkaa-toiminnolla.",
        "Det här id:t används redan av en annan aktör. Välj ett annat id eller byt namn med Redigera.",
        "This id is already taken by another venue. Choose another id, or rename it with Edit.",
    ),
    "reason.payload_too_large": (
        "Lähetys on liian suuri. Jaa tiedosto pienempiin osiin.",
        "Försändelsen är för stor. Dela upp filen i mindre delar.",
        "What was sent is too large. Split the file into smaller parts.",
    ),
    "reason.booking_not_open_yet": (
        "Varaaminen tähän esitykseen ei ole vielä alkanut.",
        "Bokningen till föreställningen har inte öppnat ännu.",
        "Booking for this performance has not opened yet.",
    ),
    "reason.redemption_not_open_yet": (
        "Lippuja tähän esitykseen voi lunastaa vasta lähempänä alkamisaikaa.",
        "Biljetter till föreställningen kan lösas in först närmare starttiden.",
        "Tickets for this performance can be redeemed only closer to its start.",
    ),
    "reason.performance_unknown": (
        "Esitystä ei löydy. Valitse esitys luettelosta tai lisää se Esitykset-sivulla.",
        "Föreställningen finns inte. Välj den i listan eller lägg till den på sidan Föreställningar.",
        "The performance is not known. Pick it from the list or add it on the Performances page.",
    ),
    "reason.venue_unknown": (
        "Kohdetta ei ole rekisterissä. Ota yhteys alueen koordinaattoriin.",
        "Aktören finns inte i registret. Kontakta regionens koordinator.",
        "The venue is not registered. Contact your regional coordinator.",
    ),
    "reason.card_exists": (
        "Tällä koodilla on jo kortti eri tiedoilla. Tarkista koodi.",
        "Ett kort med den här koden finns redan med andra uppgifter. Kontrollera koden.",
        "A card with this code already exists with other details. Check the code.",
    ),
    "reason.redemption_id_reused": (
        "Tämä käyttökerta on jo kirjattu eri tiedoilla. Lataa sivu uudelleen ja kirjaa käyttö uudestaan.",
        "Användningen har redan registrerats med andra uppgifter. Ladda om sidan och registrera igen.",
        "This use was already recorded with other details. Reload the page and record it again.",
    ),
    "reason.invalid_request": (
        "Tiedoissa on virhe. Tarkista lomake.",
        "Uppgifterna innehåller ett fel. Kontrollera formuläret.",
        "Something in the details is not right. Check the form.",
    ),
    "reason.limit_below_minimum": (
        "Kaikukortti-lippujen yläraja on pienempi kuin toimintamalli sallii.",
        "Den övre gränsen för Kaikukortsbiljetter är lägre än verksamhetsmodellen tillåter.",
        "The card-holder limit is below the minimum the operating model allows.",
    ),
    "reason.not_found": ("Tietoa ei löydy.", "Uppgiften finns inte.", "Not found."),
    "reason.service_unavailable": (
        "Palvelu ei juuri nyt vastaa. Yritä hetken päästä uudelleen.",
        "Tjänsten svarar inte just nu. Försök igen om en stund.",
        "The service is not answering right now. Try again in a moment.",
    ),
    "reason.other": ("Pyyntö hylättiin ({code}).", "Begäran avslogs ({code}).", "The request was refused ({code})."),
    # -- values --------------------------------------------------------------------------------
    "card_type.personal": ("henkilökohtainen kortti", "personligt kort", "personal card"),
    "card_type.community": ("yhteisökortti", "gemenskapskort", "community card"),
    "gender.female": ("nainen", "kvinna", "female"),
    "gender.male": ("mies", "man", "male"),
    "gender.other": ("muu", "annat", "other"),
    "gender.not_disclosed": ("ei halua kertoa", "vill inte uppge", "prefers not to say"),
    "life.unemployed": ("työtön", "arbetslös", "unemployed"),
    "life.pensioner": ("eläkeläinen", "pensionär", "pensioner"),
    "life.student": ("opiskelija", "studerande", "student"),
    "life.rehabilitee": ("kuntoutuja", "rehabiliteringsklient", "rehabilitee"),
    "life.single_parent": ("yksinhuoltaja", "ensamförsörjare", "single parent"),
    "life.low_income_employed": ("pienituloinen työssäkäyvä", "låginkomsttagare i arbete", "low-income employed"),
    "life.other": ("muu", "annat", "other"),
    "life.not_disclosed": ("ei halua kertoa", "vill inte uppge", "prefers not to say"),
    "revocation.lost": ("kadonnut", "förlorat", "lost"),
    "revocation.misuse": ("väärinkäyttö", "missbruk", "misuse"),
    "revocation.issued_in_error": ("myönnetty virheellisesti", "beviljat av misstag", "issued in error"),
    "revocation.other": ("muu syy", "annan orsak", "other reason"),
    "channel.box_office": ("lipunmyynti paikan päällä", "biljettkassan", "box office"),
    "channel.phone": ("puhelin", "telefon", "phone"),
    "channel.paper_form": ("paperilomake", "pappersblankett", "paper form"),
    "channel.agency": ("lipunmyyntiyhtiö", "biljettbolag", "ticket agency"),
    "channel.web_shop": ("verkkokauppa", "webbutik", "web shop"),
    "category.culture": ("kulttuuri", "kultur", "culture"),
    "category.sports": ("liikunta", "idrott", "sports"),
    "kind.performance": ("esitys tai tapahtuma", "föreställning eller evenemang", "performance or event"),
    "kind.course": ("kurssi", "kurs", "course"),
    "kind.day_ticket": (
        "päivälippu (festivaali, halli, suurtapahtuma)",
        "dagsbiljett (festival, hall, massevenemang)",
        "day ticket (festival, hall, mass event)",
    ),
    "kind.swimming": ("uimahallipäivä", "simhallsdag", "swimming hall day"),
    "tongue.fi": ("suomi", "finska", "Finnish"),
    "tongue.sv": ("ruotsi", "svenska", "Swedish"),
    "tongue.se": ("saame", "samiska", "Sami"),
    "tongue.ru": ("venäjä", "ryska", "Russian"),
    "tongue.et": ("viro", "estniska", "Estonian"),
    "tongue.ar": ("arabia", "arabiska", "Arabic"),
    "tongue.en": ("englanti", "engelska", "English"),
    "tongue.so": ("somali", "somaliska", "Somali"),
    "tongue.fa": ("persia", "persiska", "Persian"),
    "tongue.ku": ("kurdi", "kurdiska", "Kurdish"),
    "tongue.uk": ("ukraina", "ukrainska", "Ukrainian"),
    "tongue.zh": ("kiina", "kinesiska", "Chinese"),
    "tongue.sq": ("albania", "albanska", "Albanian"),
    "tongue.vi": ("vietnam", "vietnamesiska", "Vietnamese"),
    "tongue.es": ("espanja", "spanska", "Spanish"),
    "tongue.de": ("saksa", "tyska", "German"),
    "tongue.tr": ("turkki", "turkiska", "Turkish"),
    "tongue.pl": ("puola", "polska", "Polish"),
    "tongue.th": ("thai", "thailändska", "Thai"),
    "tongue.other": ("muu kieli", "annat språk", "another language"),
    # the statistics' mother tongue groups (Statistics Finland's: Finnish, Swedish, Sami, foreign language)
    "tongue_group.finnish": ("suomenkieliset", "finskspråkiga", "Finnish speakers"),
    "tongue_group.swedish": ("ruotsinkieliset", "svenskspråkiga", "Swedish speakers"),
    "tongue_group.sami": ("saamenkieliset", "samiskspråkiga", "Sami speakers"),
    "tongue_group.foreign": ("vieraskieliset", "främmandespråkiga", "speakers of other languages"),
    # -- distributor: grant --------------------------------------------------------------------
    "grant.title": ("Myönnä Kaikukortti", "Bevilja ett Kaikukort", "Grant a Kaikukortti card"),
    "grant.intro": (
        "Kirjaa kortin koodi ja asiakkaan taustatiedot. Nimeä, henkilötunnusta tai yhteystietoja ei kirjata.",
        "Registrera kortets kod och kundens bakgrundsuppgifter. Namn, personbeteckning eller kontaktuppgifter registreras inte.",
        "Record the card's code and the client's background data. No name, identity code or contact details are recorded.",
    ),
    "grant.card_code": ("Kortin koodi", "Kortets kod", "Card code"),
    "grant.card_code_hint": (
        "Kirjoita tai lue viivakoodinlukijalla, esim. E1234.",
        "Skriv eller läs in med streckkodsläsaren, t.ex. E1234.",
        "Type it or read it with the barcode scanner, e.g. E1234.",
    ),
    "grant.card_type": ("Kortin tyyppi", "Korttyp", "Card type"),
    "grant.holder": (
        "Kortinhaltijan taustatiedot",
        "Kortinnehavarens bakgrundsuppgifter",
        "The holder's background data",
    ),
    "grant.holder_hint": (
        "Tiedot kerätään nimettöminä tilastoja varten. Yhteisökortilla ei ole haltijatietoja.",
        "Uppgifterna samlas anonymt för statistik. Ett gemenskapskort har inga innehavaruppgifter.",
        "Collected anonymously for statistics. A community card has no holder data.",
    ),
    "grant.birth_year": ("Syntymävuosi", "Födelseår", "Year of birth"),
    "grant.mother_tongue": ("Äidinkieli", "Modersmål", "Mother tongue"),
    "grant.gender": ("Sukupuoli", "Kön", "Gender"),
    "grant.postal_code": ("Postinumero", "Postnummer", "Postal code"),
    "grant.life_situation": ("Elämäntilanne", "Livssituation", "Life situation"),
    "grant.issued_on": ("Myöntämispäivä", "Beviljningsdag", "Date granted"),
    "grant.children_under_18": (
        "Alle 18-vuotiaat lapset ja lapsenlapset",
        "Barn och barnbarn under 18 år",
        "Children and grandchildren under 18",
    ),
    "grant.children_under_18_hint": (
        "Kortinhaltijan omien alle 18-vuotiaiden lasten ja lastenlasten määrä, joka merkitään korttiin (0–20). Jätä tyhjäksi, jos sitä ei kysytty.",
        "Antalet egna barn och barnbarn under 18 år som antecknas på kortet (0–20). Lämna tomt om det inte frågades.",
        "The number of the holder's own children and grandchildren under 18 written on the card (0–20). Leave empty if it was not asked.",
    ),
    "grant.error.children_under_18": (
        "Anna luku 0–20 tai jätä kenttä tyhjäksi.",
        "Ange ett tal 0–20 eller lämna fältet tomt.",
        "Give a number from 0 to 20, or leave it empty.",
    ),
    "grant.issued_on_hint": (
        "Jätä tyhjäksi, jos kortti myönnetään tänään. Paperilomakkeelta: lomakkeen päivä.",
        "Lämna tomt om kortet beviljas i dag. Från en pappersblankett: blankettens datum.",
        "Leave empty if the card is granted today. From a paper form: the form's date.",
    ),
    "grant.submit": ("Myönnä kortti", "Bevilja kortet", "Grant the card"),
    "grant.done": ("Kortti {code} on myönnetty", "Kortet {code} är beviljat", "Card {code} is granted"),
    "grant.valid_until": ("Voimassa asti:", "Giltigt till:", "Valid until:"),
    "grant.tell_client": (
        "Kirjoita päivämäärä korttiin ja kerro se asiakkaalle. Kortti käy kaikilla Kaikukortti-alueilla.",
        "Skriv datumet på kortet och berätta det för kunden. Kortet gäller i alla Kaikukort-regioner.",
        "Write the date on the card and tell the client. The card works in every Kaikukortti region.",
    ),
    "grant.error.card_code": (
        "Koodissa voi olla vain kirjaimia A–Z, numeroita ja väliviivoja (enintään 20 merkkiä).",
        "Koden får bara innehålla bokstäver A–Z, siffror och bindestreck (högst 20 tecken).",
        "The code may hold only letters A–Z, digits and hyphens (at most 20 characters).",
    ),
    "grant.error.birth_year": (
        "Anna syntymävuosi neljällä numerolla.",
        "Ange födelseåret med fyra siffror.",
        "Enter the year of birth as four digits.",
    ),
    "grant.error.postal_code": (
        "Postinumerossa on viisi numeroa.",
        "Postnumret har fem siffror.",
        "A postal code has five digits.",
    ),
    # -- distributor: cards --------------------------------------------------------------------
    "cards.title": ("Myönnetyt kortit", "Beviljade kort", "Cards granted"),
    "cards.find": ("Hae kortti koodilla", "Sök kort med kod", "Find a card by its code"),
    "cards.find_submit": ("Hae", "Sök", "Find"),
    "cards.card": ("Kortti {code}", "Kort {code}", "Card {code}"),
    "cards.code": ("Koodi", "Kod", "Code"),
    "cards.type": ("Tyyppi", "Typ", "Type"),
    "cards.issued_on": ("Myönnetty", "Beviljat", "Granted"),
    "cards.valid_until": ("Voimassa asti", "Giltigt till", "Valid until"),
    "cards.revoked_on": ("Peruttu", "Återkallat", "Revoked"),
    "cards.state": ("Tila", "Status", "State"),
    "cards.status.active": ("voimassa", "giltigt", "valid"),
    "cards.status.expired": ("vanhentunut", "utgånget", "expired"),
    "cards.status.revoked": ("peruttu", "återkallat", "revoked"),
    "cards.list": (
        "Toimipisteesi myöntämät kortit",
        "Kort som ditt verksamhetsställe beviljat",
        "Cards your branch granted",
    ),
    "cards.list_caption": ("{count} korttia", "{count} kort", "{count} cards"),
    "cards.next_page": ("Seuraavat kortit", "Följande kort", "Next cards"),
    "cards.none": ("Ei kortteja.", "Inga kort.", "No cards."),
    "cards.revoke": ("Peru kortti", "Återkalla kortet", "Revoke the card"),
    "cards.revoke_reason": ("Perumisen syy", "Orsak till återkallelsen", "Reason for revoking"),
    "cards.revoke_confirm": (
        "Vahvistan, että kortti {code} perutaan. Sitä ei voi enää käyttää.",
        "Jag bekräftar att kortet {code} återkallas. Det kan inte längre användas.",
        "I confirm that card {code} is revoked. It can no longer be used.",
    ),
    "cards.revoke_confirm_needed": (
        "Valitse syy ja vahvista peruminen.",
        "Välj en orsak och bekräfta återkallelsen.",
        "Choose a reason and confirm the revocation.",
    ),
    "cards.revoked": ("Kortti {code} on peruttu.", "Kortet {code} är återkallat.", "Card {code} is revoked."),
    # -- uploads -------------------------------------------------------------------------------
    "import.title": ("Paperilomakkeiden kirjaus", "Registrering av pappersblanketter", "Enter paper forms"),
    "import.intro": (
        "Kirjaa ilman verkkoyhteyttä täytetyt lomakkeet kerralla. Kortti toimii kohteissa vasta, kun se on rekisterissä.",
        "Registrera blanketter som fyllts i utan uppkoppling på en gång. Kortet fungerar först när det finns i registret.",
        "Enter the forms filled in without a connection, all at once. A card works at venues only once it is in the register.",
    ),
    "import.columns": (
        "CSV- tai Excel-tiedosto, yksi kortti riviä kohden: koodi, myöntämispäivä, syntymävuosi, äidinkieli, sukupuoli, postinumero, elämäntilanne (otsikot suomeksi, ruotsiksi tai englanniksi). Vapaaehtoinen sarake children_under_18 kertoo korttiin merkittyjen alle 18-vuotiaiden lasten ja lastenlasten määrän (0–20; tyhjä, jos sitä ei merkitty). Vapaaehtoinen sarake card_type: community yhteisökortille (jätä henkilötietosarakkeet tyhjiksi), muuten tyhjä.",
        "CSV- eller Excelfil, ett kort per rad: kod, beviljningsdag, födelseår, modersmål, kön, postnummer, livssituation (rubriker på finska, svenska eller engelska). En frivillig kolumn children_under_18 anger antalet barn och barnbarn under 18 år som antecknats på kortet (0–20; tom om det inte antecknats). En frivillig kolumn card_type: community för ett gemenskapskort (lämna innehavarens kolumner tomma), annars tom.",
        "A CSV or Excel file, one card per row: code, date granted, birth year, mother tongue, gender, postal code, life situation (headers in Finnish, Swedish or English). An optional column children_under_18 gives the number of the holder's children and grandchildren under 18 written on the card (0–20; empty when not recorded). An optional column card_type: community for a community card (leave the holder's columns empty), otherwise empty.",
    ),
    "import.submit": ("Lähetä lomakkeet", "Skicka blanketterna", "Send the forms"),
    "report.title": ("Käyttöraportin lähetys", "Skicka användningsrapport", "Upload the venue report"),
    "report.intro": (
        "Lähetä käytöt, joita ei kirjattu suoraan rekisteriin (toimintamalli §9.2).",
        "Skicka användningar som inte registrerades direkt i registret (verksamhetsmodellen §9.2).",
        "Send the uses that were not recorded in the register directly (operating model §9.2).",
    ),
    "report.kind": ("Tilaisuuksien laji", "Tillfällenas slag", "Kind of the performances"),
    "report.kind_hint": (
        "Koskee raportin luomia tilaisuuksia, joiden rivillä ei ole lajia. Kurssit noudattavat kurssisääntöjä.",
        "Gäller tillfällen som rapporten skapar och vars rad inte anger slag. Kurser följer kursreglerna.",
        "For the performances the report creates whose row names no kind. Courses keep the course rules.",
    ),
    "report.columns": (
        "CSV- tai Excel-tiedosto: kortin koodi, aikuisten liput, lasten liput, esitys, päivämäärä. Yhteensä-rivi ohitetaan. Vapaaehtoinen sarake kind kertoo, millaisia tilaisuuksia raportti luo: performance (esitys tai tapahtuma, oletus), course (kurssi), day_ticket (päivälippu) tai swimming (uimahallipäivä).",
        "CSV- eller Excelfil: kortets kod, vuxenbiljetter, barnbiljetter, föreställning, datum. Totalraden hoppas över. En frivillig kolumn kind anger vilket slags tillfällen rapporten skapar: performance (föreställning eller evenemang, standard), course (kurs), day_ticket (dagsbiljett) eller swimming (simhallsdag).",
        "A CSV or Excel file: card code, adult tickets, child tickets, performance, date. The total row is skipped. An optional column kind says what the report's performances are: performance (a performance or event, the default), course, day_ticket or swimming (a swimming hall day).",
    ),
    "report.submit": ("Lähetä raportti", "Skicka rapporten", "Send the report"),
    "upload.file": ("Tiedosto (CSV tai XLSX)", "Fil (CSV eller XLSX)", "File (CSV or XLSX)"),
    "upload.working": (
        "Tiedostoa lähetetään ja rivejä tarkistetaan…",
        "Filen skickas och raderna kontrolleras…",
        "Sending the file and checking the rows…",
    ),
    "upload.progress": ("Eteneminen", "Förlopp", "Progress"),
    "upload.no_file": ("Valitse lähetettävä tiedosto.", "Välj en fil att skicka.", "Choose a file to send."),
    "upload.too_big": (
        "Tiedosto on liian suuri (enintään 5 Mt).",
        "Filen är för stor (högst 5 MB).",
        "The file is too large (at most 5 MB).",
    ),
    "upload.results": ("Tulokset riveittäin", "Resultat per rad", "Results row by row"),
    "upload.summary": (
        "{total} riviä käsitelty: {accepted} kirjattu, {rejected} hylätty, {skipped} ohitettu.",
        "{total} rader behandlade: {accepted} registrerade, {rejected} avslagna, {skipped} överhoppade.",
        "{total} rows processed: {accepted} recorded, {rejected} refused, {skipped} skipped.",
    ),
    "upload.per_row": ("Jokaisen rivin tulos", "Resultatet för varje rad", "The outcome of each row"),
    "upload.row": ("Rivi", "Rad", "Row"),
    "upload.code": ("Koodi", "Kod", "Code"),
    "upload.outcome": ("Tulos", "Resultat", "Outcome"),
    "upload.reason": ("Syy", "Orsak", "Reason"),
    "upload.status.accepted": ("kirjattu", "registrerad", "recorded"),
    "upload.status.already_recorded": ("oli jo kirjattu", "var redan registrerad", "already recorded"),
    "upload.status.rejected": ("hylätty", "avslagen", "refused"),
    "upload.status.invalid": ("virheellinen rivi", "felaktig rad", "faulty row"),
    "upload.status.skipped": ("ohitettu", "överhoppad", "skipped"),
    "import.template": ("Lataa pohja (CSV)", "Ladda ner mallen (CSV)", "Download the template (CSV)"),
    # -- box office ----------------------------------------------------------------------------
    "box.title": ("Lipunmyynti", "Biljettkassa", "Box office"),
    "box.check": ("Tarkista kortti", "Kontrollera kortet", "Check a card"),
    "box.code": ("Kortin koodi", "Kortets kod", "Card code"),
    "box.code_hint": (
        "Lue koodi lukijalla tai kirjoita se ja paina Enter.",
        "Läs in koden eller skriv den och tryck Enter.",
        "Scan the code or type it and press Enter.",
    ),
    "box.check_submit": ("Tarkista", "Kontrollera", "Check"),
    "box.valid": (
        "Kortti {code} on voimassa {until} asti.",
        "Kortet {code} är giltigt till {until}.",
        "Card {code} is valid until {until}.",
    ),
    "box.not_valid": ("Kortti {code} ei kelpaa.", "Kortet {code} godkänns inte.", "Card {code} cannot be used."),
    "box.was_valid_until": ("voimassa oli {until} asti", "giltigt till {until}", "valid until {until}"),
    "box.record": ("Kirjaa käyttö", "Registrera användning", "Record a use"),
    "box.performance": ("Esitys", "Föreställning", "Performance"),
    "box.performance_list_unavailable": (
        "Esitysluetteloa ei saatu juuri nyt. Kirjoita esityksen tunnus.",
        "Listan över föreställningar kunde inte läsas just nu. Skriv föreställningens id.",
        "The performance list could not be read just now. Type the performance id.",
    ),
    "box.adult": (
        "Aikuisen lippu kortinhaltijalle",
        "Vuxenbiljett för kortinnehavaren",
        "Adult ticket for the card holder",
    ),
    "box.adult_yes": ("kyllä, 1 lippu", "ja, 1 biljett", "yes, 1 ticket"),
    "box.adult_no": ("ei (vain lasten lippuja)", "nej (bara barnbiljetter)", "no (child tickets only)"),
    "box.children": ("Lasten liput", "Barnbiljetter", "Child tickets"),
    "box.children_hint": (
        "Omat lapset ja lapsenlapset alle 18-vuotiaat samaan esitykseen. Ei kursseille.",
        "Egna barn och barnbarn under 18 år till samma föreställning. Inte till kurser.",
        "Own children and grandchildren under 18, to the same event. Not for courses.",
    ),
    "box.channel": ("Myyntikanava", "Försäljningskanal", "Sales channel"),
    "box.channel_hint": (
        "Paperilomakkeella jo tehdyt käytöt kirjataan esityksen alettua käyttöraportilla.",
        "Användningar som redan gjorts på pappersblankett registreras efter föreställningens början med användningsrapporten.",
        "Uses already made on a paper form are entered with the venue report, once the performance has started.",
    ),
    "box.record_submit": ("Kirjaa käyttö", "Registrera", "Record the use"),
    "box.recorded": (
        "Kirjattu: kortti {code}, aikuisia {adults}, lapsia {children}.",
        "Registrerat: kort {code}, vuxna {adults}, barn {children}.",
        "Recorded: card {code}, adults {adults}, children {children}.",
    ),
    "box.undone": (
        "Käyttö peruttiin (kortti {code}).",
        "Användningen ångrades (kort {code}).",
        "The use was undone (card {code}).",
    ),
    "box.recent": ("Viimeksi kirjaamasi käytöt", "Dina senaste registreringar", "Your latest uses"),
    "box.recent_caption": (
        "Voit perua virheellisen kirjauksen.",
        "Du kan ångra en felaktig registrering.",
        "You can undo a mistaken use.",
    ),
    "box.no_recent": (
        "Ei kirjauksia tällä kirjautumisella.",
        "Inga registreringar under den här inloggningen.",
        "No uses recorded in this sign-in.",
    ),
    "box.tickets": ("Liput", "Biljetter", "Tickets"),
    "box.tickets_count": (
        "aikuisia {adults}, lapsia {children}",
        "vuxna {adults}, barn {children}",
        "adults {adults}, children {children}",
    ),
    "box.actions": ("Toiminnot", "Åtgärder", "Actions"),
    "box.undo": ("Peru", "Ångra", "Undo"),
    "box.error.fields": (
        "Tarkista koodi, esitys ja lippujen määrä (aikuisia 0 tai 1, lapsia 0–10).",
        "Kontrollera koden, föreställningen och antalet biljetter (vuxna 0 eller 1, barn 0–10).",
        "Check the code, the performance and the tickets (adults 0 or 1, children 0–10).",
    ),
    "box.error.no_tickets": ("Valitse vähintään yksi lippu.", "Välj minst en biljett.", "Choose at least one ticket."),
    "undo.title": ("Peru käyttö", "Ångra användning", "Undo a use"),
    "undo.question": (
        "Perutaanko kortin {code} käyttö esitykseen {performance}? Paikka vapautuu muille kortinhaltijoille.",
        "Ska användningen av kort {code} för föreställningen {performance} ångras? Platsen blir ledig för andra.",
        "Undo the use of card {code} for performance {performance}? The place becomes free for other card holders.",
    ),
    "undo.confirm": ("Kyllä, peru käyttö", "Ja, ångra", "Yes, undo the use"),
    "undo.keep": ("Ei, palaa takaisin", "Nej, gå tillbaka", "No, go back"),
    # -- performances --------------------------------------------------------------------------
    "perf.title": ("Esitykset", "Föreställningar", "Performances"),
    "perf.list": ("Kohteesi esitykset", "Dina föreställningar", "Your performances"),
    "perf.list_caption": (
        "Esitykset ja Kaikukortti-lippujen yläraja",
        "Föreställningar och övre gräns för kortbiljetter",
        "Performances and their card-holder limit",
    ),
    "perf.list_unavailable": (
        "Esitysluetteloa ei saatu juuri nyt.",
        "Listan över föreställningar kunde inte läsas just nu.",
        "The performance list could not be read just now.",
    ),
    "perf.none": ("Ei esityksiä vielä.", "Inga föreställningar ännu.", "No performances yet."),
    "perf.new": ("Lisää tai muuta esitys", "Lägg till eller ändra en föreställning", "Add or change a performance"),
    "perf.id": ("Esityksen tunnus", "Föreställningens id", "Performance id"),
    "perf.id_hint": (
        "Jätä tyhjäksi uudelle esitykselle; anna olemassa olevan tunnus muuttaaksesi sitä.",
        "Lämna tomt för en ny föreställning; ange en befintligs id för att ändra den.",
        "Leave empty for a new performance; give an existing one's id to change it.",
    ),
    "perf.name": ("Nimi", "Namn", "Name"),
    "perf.starts_at": ("Alkaa", "Börjar", "Starts"),
    "perf.kind": ("Laji", "Slag", "Kind"),
    "perf.capacity": ("Paikkoja yhteensä", "Platser totalt", "Places in total"),
    "perf.guest_producer": (
        "Vierailevan tuottajan esitys",
        "Gästande producents föreställning",
        "Guest producer's performance",
    ),
    "perf.limit": ("Kaikukortti-lippujen yläraja", "Övre gräns för Kaikukortsbiljetter", "Card-holder limit"),
    "perf.limit_hint": (
        "Tyhjä = ei ylärajaa. Yläraja ei ole kiintiö: paikkoja ei varata kortinhaltijoille.",
        "Tomt = ingen gräns. Gränsen är ingen kvot: inga platser reserveras.",
        "Empty = no limit. The limit is not a quota: nothing is reserved for card holders.",
    ),
    "perf.minimum": (
        "Pienin sallittu yläraja: {minimum} ({rule})",
        "Lägsta tillåtna gräns: {minimum} ({rule})",
        "Lowest limit allowed: {minimum} ({rule})",
    ),
    "perf.minimum_unknown": (
        "Anna paikkamäärä, niin pienin sallittu yläraja näkyy tässä.",
        "Ange antalet platser så visas den lägsta tillåtna gränsen här.",
        "Enter the number of places to see the lowest limit allowed.",
    ),
    "perf.booking_days": (
        "Varaus alkaa (päivää ennen)",
        "Bokningen öppnar (dagar före)",
        "Booking opens (days before)",
    ),
    "perf.booking_days_hint": (
        "Enintään kuukausi ennen. Tyhjä = ei rajoitusta.",
        "Högst en månad före. Tomt = ingen begränsning.",
        "At most a month before. Empty = no restriction.",
    ),
    "perf.redeem_minutes": (
        "Lunastus alkaa (minuuttia ennen)",
        "Inlösen börjar (minuter före)",
        "Redeeming opens (minutes before)",
    ),
    "perf.redeem_minutes_hint": (
        "Esim. 30. Tyhjä = ei rajoitusta.",
        "T.ex. 30. Tomt = ingen begränsning.",
        "E.g. 30. Empty = no restriction.",
    ),
    "perf.submit": ("Tallenna esitys", "Spara föreställningen", "Save the performance"),
    "perf.saved": (
        "Esitys {name} tallennettu (tunnus {id}).",
        "Föreställningen {name} sparad (id {id}).",
        "Performance {name} saved (id {id}).",
    ),
    "perf.no_limit": ("ei ylärajaa", "ingen gräns", "no limit"),
    "perf.card_holders": ("Kortinhaltijoita", "Kortinnehavare", "Card holders"),
    # -- region --------------------------------------------------------------------------------
    "region.title": (
        "Alueen jakajat ja kohteet",
        "Regionens utdelare och aktörer",
        "The region's distributors and venues",
    ),
    "region.distributors": ("Jakajat", "Utdelare", "Distributors"),
    "region.venues": ("Kulttuuri- ja liikuntakohteet", "Kultur- och idrottsaktörer", "Venues"),
    "region.none": ("Ei vielä yhtään.", "Inga ännu.", "None yet."),
    "region.add_distributor": ("Lisää jakaja", "Lägg till utdelare", "Add a distributor"),
    "region.add_venue": ("Lisää kohde", "Lägg till aktör", "Add a venue"),
    "region.distributor_id": ("Jakajan tunnus", "Utdelarens id", "Distributor id"),
    "region.venue_id": ("Kohteen tunnus", "Aktörens id", "Venue id"),
    "region.id_hint": ("Kirjaimia, numeroita, - tai _.", "Bokstäver, siffror, - eller _.", "Letters, digits, - or _."),
    "region.name": ("Nimi", "Namn", "Name"),
    "region.category": ("Ala", "Område", "Field"),
    "region.agencies": ("Lipunmyyntiyhtiöt", "Biljettbolag", "Ticket agencies"),
    "region.agencies_hint": (
        "Lipunmyyntiyhtiöiden tunnukset pilkuin eroteltuina (valinnainen).",
        "Biljettbolagens id åtskilda med kommatecken (valfritt).",
        "The ticket agencies' ids, separated by commas (optional).",
    ),
    "region.saved": ("{name} tallennettu.", "{name} sparad.", "{name} saved."),
    "region.taken_by": (
        "Tunnus {id} on jo käytössä ({name}). Valitse toinen tunnus; nimen voi muuttaa Muokkaa-toiminnolla.",
        "Id:t {id} används redan ({name}). Välj ett annat id; namnet kan ändras med Redigera.",
        "The id {id} is already taken by {name}. Choose another id; a name is changed with Edit.",
    ),
    "region.edit": ("Muokkaa", "Redigera", "Edit"),
    "region.edit_submit": ("Jatka tarkistukseen", "Fortsätt till granskning", "Continue to check"),
    "region.new_name": ("Uusi nimi ({name})", "Nytt namn ({name})", "New name ({name})"),
    "change.title": ("Vahvista muutos", "Bekräfta ändringen", "Confirm the change"),
    "change.intro": (
        "Tarkista muutos kohteeseen {what} ennen tallennusta:",
        "Kontrollera ändringen av {what} innan den sparas:",
        "Check the change to {what} before it is saved:",
    ),
    "change.confirm": ("Tallenna muutos", "Spara ändringen", "Save the change"),
    "change.cancel": ("Peruuta", "Avbryt", "Cancel"),
    "change.nothing": ("Mitään ei muutettu.", "Inget ändrades.", "Nothing was changed."),
    "change.permanent": (
        "ei kokeilua: alue on pysyvä",
        "inget försök: regionen är permanent",
        "no trial: the region is permanent",
    ),
    "region.error.ids": (
        "Anna tunnus (kirjaimia, numeroita, . _ : tai -) ja nimi.",
        "Ange id (bokstäver, siffror, . _ : eller -) och namn.",
        "Give an id (letters, digits, . _ : or -) and a name.",
    ),
    # -- statistics ----------------------------------------------------------------------------
    "stats.title": ("Alueen tilastot", "Regionens statistik", "Region statistics"),
    "stats.period": ("Ajanjakso", "Period", "Period"),
    "stats.period_hint": (
        "Vuosi (2026) tai kuukausi (2026-03).",
        "År (2026) eller månad (2026-03).",
        "A year (2026) or a month (2026-03).",
    ),
    "stats.show": ("Näytä", "Visa", "Show"),
    "stats.figures": ("Luvut: {period}", "Siffror: {period}", "Figures: {period}"),
    "stats.figures_caption": ("Tunnusluvut {period}", "Nyckeltal {period}", "Key figures {period}"),
    "stats.no_figures": ("Lukuja ei ole saatavilla.", "Inga siffror finns tillgängliga.", "No figures are available."),
    "stats.annual_report": ("Vuosiraportti {year}", "Årsrapport {year}", "Annual report {year}"),
    "stats.download_csv": (
        "Lataa vuosiraportti {year} (CSV)",
        "Ladda ner årsrapporten {year} (CSV)",
        "Download the {year} annual report (CSV)",
    ),
    "stats.download_xlsx": (
        "Lataa vuosiraportti {year} (Excel)",
        "Ladda ner årsrapporten {year} (Excel)",
        "Download the {year} annual report (Excel)",
    ),
    "stats.by_month": ("{figure} kuukausittain {year}", "{figure} per månad {year}", "{figure} by month, {year}"),
    "stats.group": ("Ryhmä", "Grupp", "Group"),
    "stats.value": ("Määrä", "Antal", "Number"),
    "stats.chart": ("Pylväs", "Stapel", "Bar"),
    "stats.suppressed": (
        "Piilotettu, jotta ketään ei voi tunnistaa (alle 5 henkilöä tai sellaisen solun laskettavissa)",
        "Dold så att ingen kan identifieras (färre än 5 personer eller skulle avslöja en sådan cell)",
        "Hidden so that no one can be singled out (fewer than 5 people, or would reveal such a cell)",
    ),
    "stats.suppressed_short": ("piilotettu", "dold", "hidden"),
    "figure.cards_issued": ("Myönnetyt kortit", "Beviljade kort", "Cards granted"),
    "figure.cards_active": ("Voimassa olevat kortit", "Giltiga kort", "Cards valid"),
    "figure.redemptions": ("Käyttökerrat", "Användningar", "Uses"),
    "figure.adult_tickets": ("Aikuisten liput", "Vuxenbiljetter", "Adult tickets"),
    "figure.child_tickets": ("Lasten liput", "Barnbiljetter", "Child tickets"),
    "figure.course_places": ("Kurssipaikat", "Kursplatser", "Course places"),
    "figure.distinct_cards_used": ("Käytetyt kortit", "Använda kort", "Cards used"),
    "figure.uses_of_cards_from_other_regions": (
        "Muilla alueilla myönnettyjen korttien käytöt",
        "Användningar av kort beviljade i andra regioner",
        "Uses of cards granted in other regions",
    ),
    "figure.usage_rate": ("Käyttöaste", "Användningsgrad", "Usage rate"),
    "figure.holders_by_age_group": (
        "Kortinhaltijat ikäryhmittäin",
        "Kortinnehavare per åldersgrupp",
        "Holders by age group",
    ),
    "figure.holders_by_gender": ("Kortinhaltijat sukupuolen mukaan", "Kortinnehavare per kön", "Holders by gender"),
    "figure.holders_by_mother_tongue": (
        "Kortinhaltijat äidinkielen mukaan",
        "Kortinnehavare per modersmål",
        "Holders by mother tongue",
    ),
    "figure.holders_by_life_situation": (
        "Kortinhaltijat elämäntilanteen mukaan",
        "Kortinnehavare per livssituation",
        "Holders by life situation",
    ),
    "figure.redemptions_by_venue_category": ("Käyttökerrat aloittain", "Användningar per område", "Uses by field"),
    # -- staff accounts ------------------------------------------------------------------------
    "accounts.title": ("Henkilöstön tunnukset", "Personalens konton", "Staff accounts"),
    "accounts.list": ("Tunnukset", "Konton", "Accounts"),
    "accounts.username": ("Käyttäjätunnus", "Användarnamn", "Username"),
    "accounts.username_hint": (
        "Pienillä kirjaimilla, esim. etunimi.sukunimi. Kun henkilö kirjautuu organisaationsa tunnuksella, tämän on oltava sama kuin siellä.",
        "Med små bokstäver, t.ex. förnamn.efternamn. När personen loggar in med organisationens konto ska det vara detsamma som där.",
        "Lower case, e.g. firstname.lastname. For a person who signs in with their organisation's account it must be the same as there.",
    ),
    "accounts.role": ("Rooli", "Roll", "Role"),
    "accounts.region": ("Alue", "Region", "Region"),
    "accounts.region_hint": (
        "Alueen tunnus koordinaattorille; tyhjä valtakunnalliselle toimistolle.",
        "Regionens id för en koordinator; tomt för det riksomfattande kontoret.",
        "The region id for a coordinator; empty for the national office.",
    ),
    "accounts.organisation": ("Organisaatio", "Organisation", "Organisation"),
    "accounts.organisation_hint": (
        "Jakajan työntekijälle jakaja, lipunmyyjälle kohde; koordinaattorille ei mitään.",
        "Utdelare för en utdelares anställd, aktör för en biljettförsäljare; inget för en koordinator.",
        "The distributor for distributor staff, the venue for a box-office clerk; none for a coordinator.",
    ),
    "accounts.organisation_typed_hint": (
        "Jakajan tai kohteen tunnus. Alueen luetteloa ei juuri nyt saatu, joten jakajien ja lipunmyyjien tunnuksia voi avata vasta, kun se taas saadaan; koordinaattorin tunnuksen voi avata nyt.",
        "Utdelarens eller aktörens id. Regionens lista kunde inte hämtas just nu, så konton för utdelare och biljettförsäljare kan öppnas först när den går att hämta igen; en koordinators konto kan öppnas nu.",
        "The distributor's or venue's id. The region's list could not be fetched just now, so accounts for distributor staff and box-office clerks can be opened only once it can; a coordinator's account can be opened now.",
    ),
    "accounts.no_organisation": (
        "– ei organisaatiota (koordinaattori) –",
        "– ingen organisation (koordinator) –",
        "– no organisation (coordinator) –",
    ),
    "accounts.signs_in": ("Kirjautuminen", "Inloggning", "Signs in with"),
    "accounts.signs_in_organisation": (
        "organisaation tunnuksella",
        "organisationens konto",
        "the organisation's account",
    ),
    "accounts.signs_in_password": ("salasanalla", "lösenord", "a password"),
    "accounts.password": ("Aloitussalasana", "Startlösenord", "First password"),
    "accounts.password_hint": (
        "Vähintään {min} merkkiä; anna se henkilölle itse, älä sähköpostilla. Ei tarvita, jos henkilö kirjautuu organisaation tunnuksella.",
        "Minst {min} tecken; ge det till personen själv, inte per e-post. Behövs inte om personen loggar in med organisationens konto.",
        "At least {min} characters; hand it to the person yourself, not by email. Not needed when they sign in with the organisation's account.",
    ),
    "accounts.state": ("Tila", "Status", "State"),
    "accounts.state_open": ("käytössä", "i bruk", "open"),
    "accounts.state_closed": ("suljettu", "stängt", "closed"),
    "accounts.action": ("Toiminto", "Åtgärd", "Action"),
    "accounts.you": ("(sinä)", "(du)", "(you)"),
    "accounts.open": ("Avaa tunnus", "Öppna ett konto", "Open an account"),
    "accounts.opened": ("Tunnus {username} avattu.", "Kontot {username} har öppnats.", "Account {username} opened."),
    "accounts.close": ("Sulje", "Stäng", "Close"),
    "accounts.reopen": ("Avaa uudelleen", "Öppna igen", "Reopen"),
    "accounts.close_who": ("Sulje tunnus {username}", "Stäng kontot {username}", "Close the account {username}"),
    "accounts.reopen_who": (
        "Avaa tunnus {username} uudelleen",
        "Öppna kontot {username} igen",
        "Reopen the account {username}",
    ),
    "accounts.closed_done": (
        "Tunnus {username} suljettu; sen kirjautumiset päättyivät heti.",
        "Kontot {username} har stängts; dess inloggningar avslutades genast.",
        "Account {username} closed; its sessions ended at once.",
    ),
    "accounts.reopened_done": (
        "Tunnus {username} avattu uudelleen.",
        "Kontot {username} har öppnats igen.",
        "Account {username} reopened.",
    ),
    "accounts.set_password": ("Uusi salasana", "Nytt lösenord", "New password"),
    "accounts.password_new": (
        "Uusi salasana henkilölle {username} (anna se hänelle itse)",
        "Nytt lösenord för {username} (ge det till personen själv)",
        "New password for {username} (hand it over yourself)",
    ),
    "accounts.password_set": (
        "Tunnukselle {username} asetettu uusi salasana; sen kirjautumiset päättyivät.",
        "Kontot {username} har fått ett nytt lösenord; dess inloggningar avslutades.",
        "Account {username} has a new password; its sessions have ended.",
    ),
    "accounts.error.role": (
        "Tätä roolia et voi antaa (tai aluetta ei ole annettu).",
        "Den här rollen kan du inte ge (eller så saknas regionen).",
        "You cannot give this role (or the region is missing).",
    ),
    "accounts.error.username": (
        "Käyttäjätunnus: 3–64 merkkiä, pienet kirjaimet, ei välilyöntejä.",
        "Användarnamn: 3–64 tecken, små bokstäver, inga mellanslag.",
        "Username: 3–64 characters, lower case, no spaces.",
    ),
    "accounts.error.password": (
        "Salasana on liian lyhyt.",
        "Lösenordet är för kort.",
        "The password is too short.",
    ),
    "accounts.error.region": ("Anna alueen tunnus.", "Ange regionens id.", "Give the region id."),
    "accounts.error.organisation": (
        "Valitse henkilön organisaatio.",
        "Välj personens organisation.",
        "Choose the person's organisation.",
    ),
    "accounts.error.organisation_distributor": (
        "Jakajan työntekijälle valitaan alueen jakaja.",
        "För en utdelares anställd väljs en av regionens utdelare.",
        "Distributor staff need one of the region's distributors.",
    ),
    "accounts.error.organisation_venue": (
        "Lipunmyyjälle valitaan alueen kohde.",
        "För en biljettförsäljare väljs en av regionens aktörer.",
        "A box-office clerk needs one of the region's venues.",
    ),
    "accounts.error.taken": (
        "Käyttäjätunnus on jo käytössä.",
        "Användarnamnet är redan upptaget.",
        "The username is taken.",
    ),
    "accounts.error.listing_unavailable": (
        "Alueen jakajien ja kohteiden luetteloa ei saatu, joten organisaatiota ei voitu tarkistaa. Tunnusta ei avattu; yritä hetken kuluttua uudelleen.",
        "Listan över regionens utdelare och aktörer kunde inte hämtas, så organisationen kunde inte kontrolleras. Kontot öppnades inte; försök igen om en stund.",
        "The list of the region's distributors and venues could not be fetched, so the organisation could not be checked. The account was not opened; try again in a moment.",
    ),
    "accounts.error.password_not_yours": (
        "Tämän tunnuksen salasanaa et voi asettaa (toisen koordinaattorin salasanan asettaa valtakunnallinen toimisto).",
        "Lösenordet för det här kontot kan du inte ange (en annan koordinators lösenord anges av riksomfattande kontoret).",
        "You cannot set this account's password (another coordinator's is set by the national office).",
    ),
    "accounts.error.no_password": (
        "Tämä henkilö kirjautuu organisaation tunnuksella; salasanaa ei voi asettaa.",
        "Den här personen loggar in med organisationens konto; ett lösenord kan inte anges.",
        "This person signs in with the organisation's account; no password can be set.",
    ),
    "accounts.error.not_yours": (
        "Tätä tunnusta et voi muuttaa.",
        "Det här kontot kan du inte ändra.",
        "You cannot change this account.",
    ),
    # -- own password --------------------------------------------------------------------------
    "password.title": ("Vaihda salasana", "Byt lösenord", "Change password"),
    "password.current": ("Nykyinen salasana", "Nuvarande lösenord", "Current password"),
    "password.new": ("Uusi salasana", "Nytt lösenord", "New password"),
    "password.new_hint": ("Vähintään {min} merkkiä.", "Minst {min} tecken.", "At least {min} characters."),
    "password.again": ("Uusi salasana uudelleen", "Nytt lösenord igen", "New password again"),
    "password.submit": ("Vaihda salasana", "Byt lösenord", "Change password"),
    "password.changed": (
        "Salasana vaihdettu. Muut kirjautumisesi päättyivät.",
        "Lösenordet har bytts. Dina andra inloggningar avslutades.",
        "Password changed. Your other sessions have ended.",
    ),
    "password.error.wrong_current": (
        "Nykyinen salasana on väärin.",
        "Nuvarande lösenord är fel.",
        "The current password is wrong.",
    ),
    "password.error.too_short": (
        "Uusi salasana on liian lyhyt.",
        "Det nya lösenordet är för kort.",
        "The new password is too short.",
    ),
    "password.error.differ": ("Salasanat eivät ole samat.", "Lösenorden är olika.", "The passwords differ."),
    "password.error.no_password": (
        "Kirjaudut organisaatiosi tunnuksella; salasanaa vaihdetaan siellä.",
        "Du loggar in med din organisations konto; lösenordet byts där.",
        "You sign in with your organisation's account; change your password there.",
    ),
    "national.title": ("Valtakunnallinen näkymä", "Riksomfattande översikt", "National dashboard"),
    "national.suppression": (
        "Solut, joissa on alle viisi henkilöä (ja ne, joista sellaisen voisi laskea), on piilotettu, jotta ketään ei voi tunnistaa.",
        "Celler med färre än fem personer (och de som skulle avslöja en sådan) är dolda så att ingen kan identifieras.",
        "Cells with fewer than five people (and those that would reveal one) are hidden so that no one can be singled out.",
    ),
    "national.add_region": ("Lisää alue", "Lägg till region", "Add a region"),
    "national.region_id": ("Alueen tunnus", "Regionens id", "Region id"),
    "national.trial_ends_on": ("Kokeilu päättyy", "Försöket slutar", "Trial ends on"),
    "national.edit_region": ("Muuta aluetta", "Ändra en region", "Change a region"),
    "national.edit_region_hint": (
        "Tyhjäksi jätetty kenttä pysyy ennallaan: kokeilun päättymispäivä säilyy, ellei aluetta merkitä pysyväksi.",
        "Ett tomt fält förblir oförändrat: försökets slutdatum behålls om inte regionen markeras som permanent.",
        "A field left empty stays as it is: the trial's end date is kept unless the region is marked permanent.",
    ),
    "national.new_name": ("Uusi nimi", "Nytt namn", "New name"),
    "national.new_trial_ends_on": ("Uusi kokeilun päättymispäivä", "Nytt slutdatum för försöket", "New trial end date"),
    "national.permanent": (
        "Alue on pysyvä (poista kokeilun päättymispäivä)",
        "Regionen är permanent (ta bort försökets slutdatum)",
        "The region is permanent (clear the trial end date)",
    ),
    "national.trial_hint": (
        "Vain kokeilualueille: kortit ovat voimassa enintään tähän päivään.",
        "Endast för försöksregioner: korten gäller högst till detta datum.",
        "Trial regions only: cards are valid until this day at the latest.",
    ),
}

_INDEX = {"fi": 0, "sv": 1, "en": 2}


def choose_language(asked: str | None, cookie: str | None, accept_language: str | None) -> Lang:
    """`?lang=` first, then the remembered choice, then the browser's preference (by its q order)."""
    for candidate in (asked, cookie):
        if candidate in LANGS:
            return candidate
    preferences: list[tuple[float, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        preferences.append((-quality + index * 1e-6, tag.split("-")[0].lower()))
    for _, tag in sorted(preferences):
        if tag in LANGS:
            return tag
    return DEFAULT_LANG


def translate(lang: str, key: str, **values: Any) -> str:
    """The text of `key` in `lang`; a missing key shows itself (a test keeps the catalogue complete)."""
    entry = M.get(key)
    if entry is None:
        return key
    text = entry[_INDEX.get(lang, 0)]
    return text.format(**values) if values else text


def reason_text(lang: str, reason: str) -> str:
    """A rejection code in plain words; an unknown code still names itself, never a stack trace."""
    key = f"reason.{reason}"
    return translate(lang, key) if key in M else translate(lang, "reason.other", code=reason)


REJECTION_REASONS: tuple[str, ...] = tuple(r.value for r in RejectionReason)
